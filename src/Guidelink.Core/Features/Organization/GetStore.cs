using Guidelink.Core.Features.Access;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Features.Organization;

/// <summary>One store, if the actor may see it.</summary>
public static class GetStore
{
    public sealed class Handler(GuidelinkDb db, ActorContext actors)
    {
        public async Task<Outcome<StoreView>> HandleAsync(Guid id, CancellationToken ct)
        {
            var store = await db.FindVisibleStoreAsync(actors.Current!.Scope, id, ct);
            return store is null ? Outcome<StoreView>.NotFound($"Store {id} not found.") : store.View();
        }
    }
}
