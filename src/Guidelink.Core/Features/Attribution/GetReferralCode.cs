using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Organization;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Attribution;

/// <summary>"My code": the referral code of a guide, installer or partner (created on first use), with its
/// share link. With a campaign, a separate code that also names the material or event.</summary>
public static class GetReferralCode
{
    public sealed record Request(Guid? StaffId, Guid? PartnerId, string? Campaign);
    public sealed record Response(string Code, string OwnerKind, Guid OwnerId, string? Campaign, string SharePath);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, TimeProvider clock)
    {
        public async Task<Outcome<Response>> HandleAsync(Request request, CancellationToken ct)
        {
            var actor = actors.Current!;
            Owner owner;
            if (actor.Kind == ActorKind.Partner)
            {
                // A partner sees only their own code, whatever they ask for.
                if ((request.PartnerId is { } asked && asked != actor.PartnerId!.Value.Value) || request.StaffId is not null)
                    return Outcome<Response>.Forbidden("You may only see your own code.");
                var self = await db.Partners.FirstAsync(p => p.Id == actor.PartnerId!.Value, ct);
                owner = self.AsOwner;
            }
            else if (request.PartnerId is { } pid)
            {
                // Managers see the codes of partners of their stores; nobody else sees a partner's code here.
                var partner = await db.Partners.FirstOrDefaultAsync(p => p.Id == new PartnerId(pid), ct);
                if (partner is null || !actor.Has(Permissions.PartnersWrite) || !await db.VisibleStores(actor.Scope).AnyAsync(s => s.Id == partner.HomeStoreId, ct))
                    return Outcome<Response>.NotFound($"Partner {pid} not found.");
                owner = partner.AsOwner;
            }
            else
            {
                var staffId = request.StaffId ?? actor.StaffId?.Value;
                if (staffId is not { } sid) return Outcome<Response>.Invalid("staffId", "name a guide, installer or partner.");
                var staff = await db.Staff.FirstOrDefaultAsync(s => s.Id == new StaffId(sid), ct);
                if (staff is null) return Outcome<Response>.NotFound($"Staff {sid} not found.");
                if (staff.Role is not (StaffRole.Guide or StaffRole.Installer or StaffRole.StoreManager))
                    return Outcome<Response>.Invalid("staffId", "only guides, store managers and installers have referral codes.");
                if (actor.StaffId is { } self && self != staff.Id && !actor.Has(Permissions.PartnersWrite))
                    return Outcome<Response>.Forbidden("You may only see your own code.");
                owner = Owners.OfStaff(staff);
            }
            var campaign = string.IsNullOrWhiteSpace(request.Campaign) ? null : request.Campaign.Trim();
            var existing = await db.ReferralCodes.FirstOrDefaultAsync(c => c.OwnerId == owner.Id && c.Campaign == campaign && c.DisabledAt == null, ct);
            if (existing is null)
            {
                existing = ReferralCode.Create(db.TenantContext.Required, owner, campaign, clock.GetUtcNow());
                db.ReferralCodes.Add(existing);
                await db.SaveChangesAsync(ct);
            }
            return new Response(existing.Code, existing.OwnerKind.ToString(), existing.OwnerId, existing.Campaign, $"/r/{existing.Code}");
        }
    }
}
