using Guidelink.Core.Features.Organization;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Attribution;

/// <summary>The brand keeps the customer: when a guide leaves, all their customers move — never limited —
/// to a named successor or evenly across the store's other active guides (or its manager when no guide is
/// left), each with a GuideLeft decision. Only a store with no active staff at all sends them to its pool.</summary>
public static class HandOverCustomers
{
    public static async Task<int> FromLeavingStaffAsync(GuidelinkDb db, Staff leaving, StoreId? store, Staff? successor, DateTimeOffset at, CancellationToken ct)
    {
        var from = Owners.OfStaff(leaving);
        var customers = await db.Customers.Where(c => c.OwnerId == from.Id && c.OwnerKind == from.Kind).OrderBy(c => c.CreatedAt).ToListAsync(ct);
        if (customers.Count == 0) return 0;

        List<Staff> heirs;
        if (successor is not null) heirs = [successor];
        else if (store is { } s)
        {
            // The store's other guides share them; a store without guides gives them to its manager.
            var colleagues = await db.Staff.Where(st => st.Id != leaving.Id && st.Status == StaffStatus.Active &&
                    (st.Role == StaffRole.Guide || st.Role == StaffRole.StoreManager) &&
                    st.Assignments.Any(a => a.StoreId == s && a.From <= at && (a.Until == null || a.Until > at)))
                .OrderBy(st => st.EmployeeNo).ToListAsync(ct);
            heirs = colleagues.Where(c => c.Role == StaffRole.Guide).ToList();
            if (heirs.Count == 0) heirs = colleagues;
        }
        else heirs = [];

        var policy = await AttributionPolicy.InForceAsync(db, at, ct);
        var tenant = db.TenantContext.Required;
        for (var i = 0; i < customers.Count; i++)
        {
            var customer = customers[i];
            var heir = heirs.Count == 0 ? (Owner?)null : Owners.OfStaff(heirs[i % heirs.Count]); // round robin: even to within one
            if (heir is null && store is { } pool) customer.PlaceInStore(pool);
            customer.AssignOwner(heir, at, heir is null ? null : at + policy.Protection);
            db.AttributionDecisions.Add(AttributionDecision.Create(tenant, customer.Id, null, at, at, from, heir, null, policy.Version,
                DecisionReason.GuideLeft, customer.ProtectedUntil, heir is null ? "no active guide in the store: back to the pool" : null));
        }
        return customers.Count;
    }
}
