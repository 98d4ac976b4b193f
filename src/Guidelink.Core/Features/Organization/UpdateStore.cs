using Guidelink.Core.Features.Access;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Organization;

/// <summary>Edits a store: its names, address, mall, region and whether it is open.</summary>
public static class UpdateStore
{
    public sealed record Request(Guid Id, Guid? RegionId, string? Code, string? Name, string? City, string? Address, string? MallName, string? Status);

    public sealed class Handler(GuidelinkDb db, ActorContext actors)
    {
        public async Task<Outcome<StoreView>> HandleAsync(Request request, CancellationToken ct)
        {
            var actor = actors.Current!;
            var store = await db.FindVisibleStoreAsync(actor.Scope, request.Id, ct);
            if (store is null) return Outcome<StoreView>.NotFound($"Store {request.Id} not found.");

            var errors = StoreFields.Validate(request.Code, request.Name, request.City, request.Address, request.MallName);
            var regionId = request.RegionId is { } g && g != Guid.Empty ? new RegionId(g) : store.RegionId;
            if (regionId != store.RegionId)
            {
                // Moving a store between regions is an HQ (or both regions' manager) decision.
                if (!await db.Regions.AnyAsync(r => r.Id == regionId, ct) || !actor.Scope.CoversRegion(regionId) || !actor.Scope.CoversRegion(store.RegionId))
                    errors.Add("regionId", "does not name a region you may move this store to.");
            }
            var status = store.Status;
            if (request.Status is { Length: > 0 } s && !Enum.TryParse(s, ignoreCase: true, out status))
                errors.Add("status", "must be Open or Closed.");
            if (errors.Any) return errors.ToOutcome<StoreView>();

            var code = request.Code!.Trim();
            if (await db.Stores.AnyAsync(x => x.Code == code && x.Id != store.Id, ct))
                return Outcome<StoreView>.Conflict($"A store with code '{code}' already exists.");

            store.Update(regionId, code, request.Name!, request.City, request.Address, request.MallName, status);
            await db.SaveChangesAsync(ct);
            return store.View();
        }
    }
}
