using Guidelink.Core.Features.Access;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Organization;

/// <summary>Stores the actor may see, optionally of one region.</summary>
public static class ListStores
{
    public sealed record Request(Guid? RegionId);

    public sealed class Handler(GuidelinkDb db, ActorContext actors)
    {
        public async Task<IReadOnlyList<StoreView>> HandleAsync(Request request, CancellationToken ct)
        {
            var query = db.VisibleStores(actors.Current!.Scope).AsNoTracking();
            if (request.RegionId is { } r) query = query.Where(s => s.RegionId == new RegionId(r));
            var stores = await query.OrderBy(s => s.Code).ToListAsync(ct);
            return stores.Select(s => s.View()).ToList();
        }
    }
}
