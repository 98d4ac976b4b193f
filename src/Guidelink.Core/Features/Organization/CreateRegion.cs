using Guidelink.Core.Features.Access;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Organization;

/// <summary>HQ adds a region to the org tree.</summary>
public static class CreateRegion
{
    public sealed record Request(string? Code, string? Name);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, TimeProvider clock)
    {
        public async Task<Outcome<RegionView>> HandleAsync(Request request, CancellationToken ct)
        {
            var actor = actors.Current!;
            if (!actor.Scope.IsBrandWide) return Outcome<RegionView>.Forbidden("Only HQ can add regions.");
            var errors = new FieldErrors().Required("code", request.Code, 40).Required("name", request.Name, 100);
            if (errors.Any) return errors.ToOutcome<RegionView>();

            var code = request.Code!.Trim();
            if (await db.Regions.AnyAsync(r => r.Code == code, ct))
                return Outcome<RegionView>.Invalid("code", $"A region with code '{code}' already exists.");

            var region = Region.Create(db.TenantContext.Required, code, request.Name!, clock.GetUtcNow());
            db.Regions.Add(region);
            try { await db.SaveChangesAsync(ct); }
            catch (DbUpdateException ex) when (DatabaseSetup.IsUniqueViolation(ex))
            {
                return Outcome<RegionView>.Conflict($"A region with code '{code}' already exists.");
            }
            return region.View();
        }
    }
}
