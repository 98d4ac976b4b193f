using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Features.Audit;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Customers;

/// <summary>Merges a duplicate into a surviving customer (the same person came in by phone and by WeChat).
/// Both histories are kept: the duplicate's touches, decisions and tags move to the survivor. The survivor
/// keeps the owner whose ownership began first; the merge itself is a decision (reason Merge).</summary>
public static class MergeCustomers
{
    public sealed record Request(Guid SurvivorId, Guid? DuplicateId);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, TimeProvider clock)
    {
        public async Task<Outcome<RecordTouch.DecisionView>> HandleAsync(Request request, CancellationToken ct)
        {
            var actor = actors.Current!;
            var now = clock.GetUtcNow();
            if (request.DuplicateId is not { } duplicateId || duplicateId == request.SurvivorId)
                return Outcome<RecordTouch.DecisionView>.Invalid("duplicateId", "name another customer to merge into this one.");
            var visible = db.VisibleCustomers(actor.Scope);
            var survivor = await visible.FirstOrDefaultAsync(c => c.Id == new CustomerId(request.SurvivorId), ct);
            var duplicate = await visible.FirstOrDefaultAsync(c => c.Id == new CustomerId(duplicateId), ct);
            if (survivor is null) return Outcome<RecordTouch.DecisionView>.NotFound($"Customer {request.SurvivorId} not found.");
            if (duplicate is null) return Outcome<RecordTouch.DecisionView>.Invalid("duplicateId", "does not name a customer you can see.");
            if (survivor.PhoneHash is not null && duplicate.PhoneHash is not null && survivor.PhoneHash != duplicate.PhoneHash)
                return Outcome<RecordTouch.DecisionView>.Conflict("The two customers have different phone numbers; they are not the same person.");

            // The owner whose ownership began first stays; an owner beats no owner.
            var keepDuplicateOwner = duplicate.Owner is not null && (survivor.Owner is null || duplicate.OwnedSince < survivor.OwnedSince);
            var previous = survivor.Owner;
            var (owner, since, until) = keepDuplicateOwner
                ? (duplicate.Owner, duplicate.OwnedSince!.Value, duplicate.ProtectedUntil)
                : (survivor.Owner, survivor.OwnedSince ?? now, survivor.ProtectedUntil);
            var identity = (duplicate.PhoneHash, duplicate.PhoneCipher, duplicate.PhoneMasked, duplicate.UnionId, duplicate.ExternalUserId);

            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            // First move the duplicate's history and free its identity (unique per brand), then give it to the survivor.
            await db.Touches.Where(t => t.CustomerId == duplicate.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.CustomerId, survivor.Id), ct);
            await db.AttributionDecisions.Where(d => d.CustomerId == duplicate.Id).ExecuteUpdateAsync(s => s.SetProperty(d => d.CustomerId, survivor.Id), ct);
            // The duplicate's orders are the survivor's purchases: its order history, and whether a later order is its first
            // (a new-customer bounty must not be paid again). Their credit is a snapshot and does not move.
            await db.Orders.Where(o => o.CustomerId == duplicate.Id).ExecuteUpdateAsync(s => s.SetProperty(o => o.CustomerId, survivor.Id), ct);
            var survivorTags = db.CustomerTags.Where(t => t.CustomerId == survivor.Id).Select(t => t.TagId);
            await db.CustomerTags.Where(t => t.CustomerId == duplicate.Id && survivorTags.Contains(t.TagId)).ExecuteDeleteAsync(ct);
            await db.CustomerTags.Where(t => t.CustomerId == duplicate.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.CustomerId, survivor.Id), ct);
            db.Customers.Remove(duplicate);
            await db.SaveChangesAsync(ct);

            if (survivor.PhoneHash is null && identity.PhoneHash is not null) survivor.SetPhone(identity.PhoneHash, identity.PhoneCipher!, identity.PhoneMasked!);
            survivor.SetWeChat(survivor.UnionId is null ? identity.UnionId : null, survivor.ExternalUserId is null ? identity.ExternalUserId : null);
            if (owner != previous) survivor.AssignOwner(owner, since, until);
            else survivor.Touched();
            var decision = AttributionDecision.Create(db.TenantContext.Required, survivor.Id, null, now, now, previous, owner, null, 0,
                DecisionReason.Merge, survivor.ProtectedUntil, $"merged customer {duplicate.Id} into this one");
            db.AttributionDecisions.Add(decision);
            AuditLog.Add(db, actor, now, "Customer.Merged", nameof(Customer), survivor.Id.ToString(), new { duplicate = duplicate.Id.Value }, new { survivor = survivor.Id.Value });
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return RecordTouch.View(decision);
        }
    }
}
