using Guidelink.Core.Features.Access;
using Guidelink.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Organization;

/// <summary>Regions the actor may see.</summary>
public static class ListRegions
{
    public sealed class Handler(GuidelinkDb db, ActorContext actors)
    {
        public async Task<IReadOnlyList<RegionView>> HandleAsync(CancellationToken ct)
        {
            var regions = await db.VisibleRegions(actors.Current!.Scope).AsNoTracking().OrderBy(r => r.Code).ToListAsync(ct);
            return regions.Select(r => r.View()).ToList();
        }
    }
}
