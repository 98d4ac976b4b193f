using Guidelink.Core.Features.Access;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Organization;

/// <summary>Opens a store in a region (HQ, or that region's manager).</summary>
public static class CreateStore
{
    public sealed record Request(Guid? RegionId, string? Code, string? Name, string? City, string? Address, string? MallName);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, TimeProvider clock)
    {
        public async Task<Outcome<StoreView>> HandleAsync(Request request, CancellationToken ct)
        {
            var actor = actors.Current!;
            var errors = StoreFields.Validate(request.Code, request.Name, request.City, request.Address, request.MallName);
            Region? region = null;
            if (request.RegionId is not { } regionGuid || regionGuid == Guid.Empty) errors.Add("regionId", "is required.");
            else
            {
                var regionId = new RegionId(regionGuid);
                region = await db.Regions.FirstOrDefaultAsync(r => r.Id == regionId, ct);
                if (region is null || !actor.Scope.CoversRegion(regionId)) errors.Add("regionId", "does not name a region you manage.");
            }
            if (errors.Any) return errors.ToOutcome<StoreView>();

            var code = request.Code!.Trim();
            if (await db.Stores.AnyAsync(s => s.Code == code, ct))
                return Outcome<StoreView>.Conflict($"A store with code '{code}' already exists.");

            var store = Store.Create(db.TenantContext.Required, region!.Id, code, request.Name!, request.City, request.Address, request.MallName, clock.GetUtcNow());
            db.Stores.Add(store);
            try { await db.SaveChangesAsync(ct); }
            catch (DbUpdateException ex) when (DatabaseSetup.IsUniqueViolation(ex))
            {
                return Outcome<StoreView>.Conflict($"A store with code '{code}' already exists.");
            }
            return store.View();
        }
    }
}

internal static class StoreFields
{
    public static FieldErrors Validate(string? code, string? name, string? city, string? address, string? mallName) =>
        new FieldErrors()
            .Required("code", code, 40)
            .Required("name", name, 100)
            .Optional("city", city, 60)
            .Optional("address", address, 200)
            .Optional("mallName", mallName, 100);
}
