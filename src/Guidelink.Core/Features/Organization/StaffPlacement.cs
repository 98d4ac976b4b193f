using Guidelink.Core.Features.Access;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Organization;

/// <summary>Checks where a role may be placed and by whom; shared by hiring and reassigning.</summary>
internal static class StaffPlacement
{
    public static bool TryParseRole(string? value, out StaffRole role) =>
        Enum.TryParse(value, ignoreCase: true, out role) && Enum.IsDefined(role);

    /// <summary>Non-HQ actors place only store-level staff (a regional manager also store managers) in units they cover.</summary>
    public static bool MayManageRole(Actor actor, StaffRole role) => actor.Scope.IsBrandWide || role switch
    {
        StaffRole.Guide or StaffRole.Installer => true,
        StaffRole.StoreManager => actor.Role == StaffRole.RegionalManager,
        _ => false,
    };

    public static async Task<(RegionId? Region, StoreId? Store)> ValidateAsync(
        GuidelinkDb db, Actor actor, StaffRole role, Guid? regionId, Guid? storeId, FieldErrors errors, CancellationToken ct)
    {
        switch (Staff.LevelOf(role))
        {
            case AssignmentLevel.Store:
                if (storeId is not { } sid || sid == Guid.Empty) { errors.Add("storeId", $"is required for the role {role}."); return (null, null); }
                var store = await db.FindVisibleStoreAsync(actor.Scope, sid, ct);
                if (store is null) { errors.Add("storeId", "does not name a store you manage."); return (null, null); }
                return (null, store.Id);
            case AssignmentLevel.Region:
                if (regionId is not { } rid || rid == Guid.Empty) { errors.Add("regionId", $"is required for the role {role}."); return (null, null); }
                var region = new RegionId(rid);
                if (!actor.Scope.CoversRegion(region) || !await db.Regions.AnyAsync(r => r.Id == region, ct))
                { errors.Add("regionId", "does not name a region you manage."); return (null, null); }
                return (region, null);
            default:
                return (null, null);
        }
    }
}
