using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Audit;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Customers;

/// <summary>Edits a customer's profile and tags. Every change is audited (who, when, before/after), with
/// personal fields masked so erasure stays possible.</summary>
public static class UpdateCustomer
{
    public sealed record Request(Guid Id, string? Name, string? Gender, DateOnly? Birthday, IReadOnlyList<Guid>? TagIds);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, TimeProvider clock)
    {
        public async Task<Outcome<GetCustomer.Response>> HandleAsync(Request request, GetCustomer.Handler reader, CancellationToken ct)
        {
            var actor = actors.Current!;
            var now = clock.GetUtcNow();
            var customer = await db.VisibleCustomers(actor.Scope).FirstOrDefaultAsync(c => c.Id == new CustomerId(request.Id), ct);
            if (customer is null) return Outcome<GetCustomer.Response>.NotFound($"Customer {request.Id} not found.");

            var errors = new FieldErrors().Optional("name", request.Name, 100);
            var gender = customer.Gender;
            if (request.Gender is { Length: > 0 } g && (!Enum.TryParse(g, true, out gender) || !Enum.IsDefined(gender)))
                errors.Add("gender", "must be Unknown, Female or Male.");
            if (request.Birthday is { } b && (b > DateOnly.FromDateTime(now.UtcDateTime) || b.Year < 1900)) errors.Add("birthday", "is not a plausible birthday.");
            var wanted = (request.TagIds ?? []).Distinct().ToList();
            var tags = await db.Tags.Where(t => wanted.Contains(t.Id)).ToListAsync(ct);
            if (tags.Count != wanted.Count) errors.Add("tagIds", "name tags that do not exist.");
            var groups = await db.TagGroups.Where(gr => gr.SingleChoice).Select(gr => gr.Id).ToListAsync(ct);
            if (tags.Where(t => groups.Contains(t.GroupId)).GroupBy(t => t.GroupId).Any(x => x.Count() > 1))
                errors.Add("tagIds", "choose at most one tag of a single-choice group.");
            if (errors.Any) return errors.ToOutcome<GetCustomer.Response>();

            var before = new { name = AuditEntry.Mask(customer.Name), gender = customer.Gender.ToString(), birthday = customer.Birthday is null ? null : "****" };
            customer.UpdateProfile(request.Name, gender, request.Birthday);
            var after = new { name = AuditEntry.Mask(customer.Name), gender = customer.Gender.ToString(), birthday = customer.Birthday is null ? null : "****" };
            if (!Equals(before, after)) AuditLog.Add(db, actor, now, "Customer.ProfileUpdated", nameof(Customer), customer.Id.ToString(), before, after);

            if (request.TagIds is not null)
            {
                var current = await db.CustomerTags.Where(t => t.CustomerId == customer.Id).ToListAsync(ct);
                db.CustomerTags.RemoveRange(current.Where(t => !wanted.Contains(t.TagId)));
                foreach (var tagId in wanted.Where(id => current.All(t => t.TagId != id)))
                    db.CustomerTags.Add(CustomerTag.Create(customer.TenantId, customer.Id, tagId, now));
            }
            await db.SaveChangesAsync(ct);
            return await reader.HandleAsync(request.Id, ct);
        }
    }
}
