using Guidelink.Core.Features.Organization;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Features.Access;

/// <summary>Works out what part of the org a staff member sees from their current dated placements.</summary>
public static class ResolveAccessScope
{
    public static AccessScope From(Staff staff, IEnumerable<RegionId> regions, IEnumerable<StoreId> stores)
    {
        if (staff.Role is StaffRole.HqAdmin or StaffRole.Finance or StaffRole.Auditor) return AccessScope.BrandWide;
        var ownCustomersOf = staff.Role is StaffRole.Guide or StaffRole.Installer ? staff.Id : (StaffId?)null;
        return new AccessScope(false, regions.ToHashSet(), stores.ToHashSet(), ownCustomersOf);
    }
}
