using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Customers;
using Guidelink.Core.Features.Organization;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Attribution;

/// <summary>A store manager or HQ gives a customer to another guide (or takes one from the pool), with a
/// reason. Limited per customer by the policy (WeChat Work allows 2 on-job transfers per 90 days);
/// transfers caused by a guide leaving are never limited and do not count.</summary>
public static class ReassignCustomer
{
    public sealed record Request(Guid CustomerId, Guid? StaffId, string? Reason);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, TimeProvider clock)
    {
        public async Task<Outcome<RecordTouch.DecisionView>> HandleAsync(Request request, CancellationToken ct)
        {
            var actor = actors.Current!;
            var now = clock.GetUtcNow();
            var customer = await db.VisibleCustomers(actor.Scope).FirstOrDefaultAsync(c => c.Id == new CustomerId(request.CustomerId), ct);
            if (customer is null) return Outcome<RecordTouch.DecisionView>.NotFound($"Customer {request.CustomerId} not found.");
            var errors = new FieldErrors().Required("reason", request.Reason, 200);
            Staff? target = null;
            if (request.StaffId is not { } sid) errors.Add("staffId", "is required.");
            else
            {
                target = await db.VisibleStaff(actor.Scope, now).FirstOrDefaultAsync(s => s.Id == new StaffId(sid), ct);
                if (target is null || target.Status != StaffStatus.Active || target.Role is not (StaffRole.Guide or StaffRole.StoreManager or StaffRole.Installer))
                    errors.Add("staffId", "does not name an active guide of a store you manage.");
            }
            if (errors.Any) return errors.ToOutcome<RecordTouch.DecisionView>();

            var owner = Owners.OfStaff(target!);
            if (customer.Owner == owner) return Outcome<RecordTouch.DecisionView>.Conflict("The customer already belongs to this guide.");
            var policy = await AttributionPolicy.InForceAsync(db, now, ct);
            var windowStart = now - TimeSpan.FromDays(90);
            var recent = await db.AttributionDecisions.CountAsync(d => d.CustomerId == customer.Id && d.Reason == DecisionReason.ManualReassign && d.DecidedAt >= windowStart, ct);
            if (recent >= policy.ManualTransfersPer90Days)
                return Outcome<RecordTouch.DecisionView>.Conflict($"This customer was already reassigned {recent} time(s) in the last 90 days; the limit is {policy.ManualTransfersPer90Days}.");

            var previous = customer.Owner;
            customer.AssignOwner(owner, now, now + policy.Protection);
            var decision = AttributionDecision.Create(db.TenantContext.Required, customer.Id, null, now, now, previous, owner, null,
                policy.Version, DecisionReason.ManualReassign, customer.ProtectedUntil, $"by {actor.Name}: {request.Reason!.Trim()}");
            db.AttributionDecisions.Add(decision);
            try { await db.SaveChangesAsync(ct); }
            catch (DbUpdateConcurrencyException) { return Outcome<RecordTouch.DecisionView>.Conflict("The customer changed meanwhile; try again."); }
            return RecordTouch.View(decision);
        }
    }
}
