using Guidelink.Core.Features.Access;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Customers;

/// <summary>One customer's profile, tags and owner (phone masked unless the actor holds customers.pii).</summary>
public static class GetCustomer
{
    public sealed record Response(Guid Id, string? Name, string? Phone, Gender Gender, DateOnly? Birthday, bool HasUnionId, bool HasExternalUserId,
        Guid? HomeStoreId, string? OwnerKind, Guid? OwnerId, string? OwnerName, DateTimeOffset? OwnedSince, DateTimeOffset? ProtectedUntil,
        string? ConsentText, DateTimeOffset? ConsentAt, DateTimeOffset CreatedAt, IReadOnlyList<TagView> Tags);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, PiiProtector pii)
    {
        public async Task<Outcome<Response>> HandleAsync(Guid id, CancellationToken ct)
        {
            var actor = actors.Current!;
            var customer = await db.VisibleCustomers(actor.Scope).AsNoTracking().FirstOrDefaultAsync(c => c.Id == new CustomerId(id), ct);
            if (customer is null) return Outcome<Response>.NotFound($"Customer {id} not found.");
            var tagIds = db.CustomerTags.Where(t => t.CustomerId == customer.Id).Select(t => t.TagId);
            var tags = await db.Tags.Where(t => tagIds.Contains(t.Id)).OrderBy(t => t.Name).Select(t => new TagView(t.Id, t.Name)).ToListAsync(ct);
            var names = customer.OwnerId is { } o ? await db.OwnerNamesAsync([o], ct) : [];
            return new Response(customer.Id.Value, customer.Name, customer.PhoneFor(actor, pii), customer.Gender, customer.Birthday,
                customer.UnionId is not null, customer.ExternalUserId is not null, customer.HomeStoreId?.Value, customer.OwnerKind?.ToString(),
                customer.OwnerId, customer.OwnerId is { } oid ? names.GetValueOrDefault(oid) : null, customer.OwnedSince, customer.ProtectedUntil,
                customer.ConsentText, customer.ConsentAt, customer.CreatedAt, tags);
        }
    }
}
