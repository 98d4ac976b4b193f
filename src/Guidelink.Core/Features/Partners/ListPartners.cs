using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Organization;
using Guidelink.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Partners;

/// <summary>Partners whose home store the actor sees, optionally by status or kind.</summary>
public static class ListPartners
{
    public sealed record Request(string? Status, string? Kind);

    public sealed class Handler(GuidelinkDb db, ActorContext actors)
    {
        public async Task<IReadOnlyList<PartnerView>> HandleAsync(Request request, CancellationToken ct)
        {
            var stores = db.VisibleStores(actors.Current!.Scope).Select(s => s.Id);
            var query = db.Partners.AsNoTracking().Where(p => stores.Contains(p.HomeStoreId));
            if (Enum.TryParse<PartnerStatus>(request.Status, true, out var status)) query = query.Where(p => p.Status == status);
            if (Enum.TryParse<PartnerKind>(request.Kind, true, out var kind)) query = query.Where(p => p.Kind == kind);
            var partners = await query.OrderByDescending(p => p.CreatedAt).Take(1000).ToListAsync(ct);
            return partners.Select(PartnerView.Of).ToList();
        }
    }
}
