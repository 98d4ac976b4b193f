using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Audit;
using Guidelink.Core.Features.Organization;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Partners;

/// <summary>Gives a partner a login to the partner pages (own code, own customers with masked phones, own
/// statement). Only a manager of the partner's home store (or HQ) may do it; one login per partner.</summary>
public static class CreatePartnerLogin
{
    public sealed record Request(Guid PartnerId, string? Login, string? Password);
    public sealed record Response(string Login, Guid PartnerId);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, TimeProvider clock)
    {
        public async Task<Outcome<Response>> HandleAsync(Request request, CancellationToken ct)
        {
            var actor = actors.Current!;
            var partner = await db.Partners.FirstOrDefaultAsync(p => p.Id == new PartnerId(request.PartnerId), ct);
            if (partner is null || !await db.VisibleStores(actor.Scope).AnyAsync(s => s.Id == partner.HomeStoreId, ct))
                return Outcome<Response>.NotFound($"Partner {request.PartnerId} not found.");

            var errors = new FieldErrors();
            var login = await UserAccount.CheckNewAsync(db, request.Login, request.Password, errors, ct);
            if (await db.UserAccounts.AnyAsync(u => u.PartnerId == partner.Id, ct))
                errors.Add("partnerId", "this partner already has a login.");
            if (errors.Any) return errors.ToOutcome<Response>();

            var now = clock.GetUtcNow();
            var account = UserAccount.CreateForPartner(db.TenantContext.Required, login, partner.Id, now);
            account.SetPasswordHash(Passwords.Hash(account, request.Password!));
            db.UserAccounts.Add(account);
            AuditLog.Add(db, actor, now, "partner.login.created", nameof(Partner), partner.Id.ToString(), null, new { login });
            await db.SaveChangesAsync(ct);
            return new Response(account.LoginName, partner.Id.Value);
        }
    }
}
