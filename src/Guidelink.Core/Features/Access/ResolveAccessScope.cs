using Guidelink.Core.Features.Organization;
using Guidelink.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Access;

/// <summary>Works out what part of the org a staff member sees from their current dated assignments.</summary>
public static class ResolveAccessScope
{
    public static async Task<AccessScope> ForAsync(GuidelinkDb db, Staff staff, DateTimeOffset now, CancellationToken ct)
    {
        if (staff.Role is StaffRole.HqAdmin or StaffRole.Finance or StaffRole.Auditor) return AccessScope.BrandWide;

        var current = await db.StaffAssignments
            .Where(a => a.StaffId == staff.Id && a.From <= now && (a.Until == null || a.Until > now))
            .Select(a => new { a.RegionId, a.StoreId })
            .ToListAsync(ct);
        var regions = current.Where(a => a.RegionId != null).Select(a => a.RegionId!.Value).ToHashSet();
        var stores = current.Where(a => a.StoreId != null).Select(a => a.StoreId!.Value).ToHashSet();
        var ownCustomersOf = staff.Role is StaffRole.Guide or StaffRole.Installer ? staff.Id : (Shared.StaffId?)null;
        return new AccessScope(false, regions, stores, ownCustomersOf);
    }
}
