using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Features.Organization;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Partners;

/// <summary>Approve, freeze or end a partner. A frozen partner keeps their customers but their touches no
/// longer bind; an ended partner's customers return to the pool of the partner's home store, each with a
/// decision record.</summary>
public static class ChangePartnerStatus
{
    public enum Change { Approve, Freeze, End }

    public sealed record Request(Guid Id, Change To);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, TimeProvider clock)
    {
        public async Task<Outcome<PartnerView>> HandleAsync(Request request, CancellationToken ct)
        {
            var actor = actors.Current!;
            var partner = await db.Partners.FirstOrDefaultAsync(p => p.Id == new PartnerId(request.Id), ct);
            if (partner is null || !await db.VisibleStores(actor.Scope).AnyAsync(s => s.Id == partner.HomeStoreId, ct))
                return Outcome<PartnerView>.NotFound($"Partner {request.Id} not found.");
            var now = clock.GetUtcNow();
            var changed = request.To switch
            {
                Change.Approve => partner.Approve(now),
                Change.Freeze => partner.Freeze(),
                _ => partner.End(),
            };
            if (!changed) return Outcome<PartnerView>.Conflict($"A partner who is {partner.Status} cannot be {request.To.ToString().ToLowerInvariant()}d.");

            if (request.To == Change.End)
            {
                var owner = partner.AsOwner;
                var customers = await db.Customers.Where(c => c.OwnerKind == owner.Kind && c.OwnerId == owner.Id).ToListAsync(ct);
                var tenant = db.TenantContext.Required;
                foreach (var customer in customers)
                {
                    customer.PlaceInStore(partner.HomeStoreId);
                    customer.AssignOwner(null, now, null);
                    db.AttributionDecisions.Add(AttributionDecision.Create(tenant, customer.Id, null, now, now, owner, null, null, 0,
                        DecisionReason.PartnerInactive, null, "partner ended: back to the store pool"));
                }
            }
            await db.SaveChangesAsync(ct);
            return PartnerView.Of(partner);
        }
    }
}
