using Guidelink.Core.Features.Access;
using Guidelink.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Organization;

/// <summary>The org tree the actor may see: regions → stores → active staff, plus HQ staff for HQ.</summary>
public static class GetOrgTree
{
    public sealed record StoreNode(StoreView Store, IReadOnlyList<StaffView> Staff);
    public sealed record RegionNode(RegionView Region, IReadOnlyList<StaffView> Managers, IReadOnlyList<StoreNode> Stores);
    public sealed record Response(IReadOnlyList<RegionNode> Regions, IReadOnlyList<StaffView> Headquarters);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, TimeProvider clock)
    {
        public async Task<Response> HandleAsync(CancellationToken ct)
        {
            var actor = actors.Current!;
            var now = clock.GetUtcNow();
            var regions = await db.VisibleRegions(actor.Scope).AsNoTracking().OrderBy(r => r.Code).ToListAsync(ct);
            var stores = await db.VisibleStores(actor.Scope).AsNoTracking().OrderBy(s => s.Code).ToListAsync(ct);
            var staff = await db.VisibleStaff(actor.Scope, now).AsNoTracking()
                .Where(s => s.Status == StaffStatus.Active)
                .Include(s => s.Assignments)
                .OrderBy(s => s.EmployeeNo)
                .ToListAsync(ct);
            var views = staff.Select(s => s.View(now)).ToList();

            var tree = regions.Select(r => new RegionNode(
                r.View(),
                views.Where(v => v.RegionId == r.Id.Value).ToList(),
                stores.Where(s => s.RegionId == r.Id)
                    .Select(s => new StoreNode(s.View(), views.Where(v => v.StoreId == s.Id.Value).ToList()))
                    .ToList())).ToList();
            var hq = actor.Scope.IsBrandWide ? views.Where(v => v.RegionId is null && v.StoreId is null).ToList() : [];
            return new Response(tree, hq);
        }
    }
}
