using Guidelink.Core.Features.Access;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Organization;

/// <summary>Renames a region (HQ, or the region's own manager).</summary>
public static class UpdateRegion
{
    public sealed record Request(Guid Id, string? Code, string? Name);

    public sealed class Handler(GuidelinkDb db, ActorContext actors)
    {
        public async Task<Outcome<RegionView>> HandleAsync(Request request, CancellationToken ct)
        {
            var actor = actors.Current!;
            var id = new RegionId(request.Id);
            var region = await db.Regions.FirstOrDefaultAsync(r => r.Id == id, ct);
            if (region is null || !actor.Scope.CoversRegion(id)) return Outcome<RegionView>.NotFound($"Region {request.Id} not found.");

            var errors = new FieldErrors().Required("code", request.Code, 40).Required("name", request.Name, 100);
            if (errors.Any) return errors.ToOutcome<RegionView>();
            var code = request.Code!.Trim();
            if (await db.Regions.AnyAsync(r => r.Code == code && r.Id != id, ct))
                return Outcome<RegionView>.Conflict($"A region with code '{code}' already exists.");

            region.Rename(code, request.Name!);
            await db.SaveChangesAsync(ct);
            return region.View();
        }
    }
}
