using Guidelink.Core.Features.Access;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Payouts;

/// <summary>A partner binds the openid transfers are paid to: <c>StartAsync</c> gives the WeChat authorize URL
/// with a state that is encrypted, signed and valid for 10 minutes (it names the brand and partner, so a callback can
/// bind nobody else); WeChat returns to the callback with a one-time code, exchanged for the openid. Audited.</summary>
public static class BindWeChat
{
    public sealed record StartResponse(Uri AuthorizeUrl);

    public sealed record Response(bool Bound);

    /// <summary>What the partner's page shows: bound or not, real name set or not (never the name or the openid).</summary>
    public sealed record Status(bool WeChatBound, bool RealNameSet);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, PayoutSecrets secrets, LoadPayoutMerchant.Handler merchants, IEnumerable<IWeChatIdentity> identities,
        TimeProvider clock)
    {
        // Optional: registered by Guidelink.WeChat (or a test double); without it binding is unavailable, not a startup error.
        private readonly IWeChatIdentity? _identity = identities.LastOrDefault();

        public async Task<Outcome<StartResponse>> StartAsync(Uri callback, CancellationToken ct)
        {
            if (actors.Current?.PartnerId is not { } partner) return Outcome<StartResponse>.Forbidden("Only a partner binds a WeChat wallet.");
            var (_, merchant) = await merchants.HandleAsync(ct);
            if (merchant is null || _identity is null) return Outcome<StartResponse>.Conflict("The brand has not set up WeChat Pay.");
            var state = secrets.BindingState(db.TenantContext.Required.Value, partner.Value, clock.GetUtcNow());
            return new StartResponse(_identity.AuthorizeUrl(merchant, callback, state));
        }

        /// <summary>The signed-in partner's binding status; null for anyone who is not a partner.</summary>
        public async Task<Status?> StatusAsync(CancellationToken ct)
        {
            if (actors.Current?.PartnerId is not { } partner) return null;
            return await db.Partners.AsNoTracking().Where(p => p.Id == partner)
                .Select(p => new Status(p.WeChatOpenId != null, p.RealName != null)).FirstOrDefaultAsync(ct);
        }

        /// <summary>The callback: no session is needed (WeChat's browser may not carry it); the state says who.</summary>
        public async Task<Outcome<Response>> CompleteAsync(string? code, string? state, CancellationToken ct)
        {
            if (string.IsNullOrWhiteSpace(code)) return Outcome<Response>.Invalid("code", "is required.");
            if (string.IsNullOrWhiteSpace(state) || secrets.ReadBindingState(state, clock.GetUtcNow()) is not { } who) return Outcome<Response>.Invalid("state", "is invalid or expired.");
            db.TenantContext.Set(new TenantId(who.Tenant));
            var (_, merchant) = await merchants.HandleAsync(ct);
            if (merchant is null || _identity is null) return Outcome<Response>.Conflict("The brand has not set up WeChat Pay.");
            var partner = await db.Partners.FirstOrDefaultAsync(p => p.Id == new PartnerId(who.Partner), ct);
            if (partner is null) return Outcome<Response>.NotFound("Partner not found.");
            string openId;
            try
            {
                openId = await _identity.ExchangeCodeAsync(merchant, code.Trim(), ct);
            }
            catch (TransferRejectedException ex)
            {
                return Outcome<Response>.Invalid("code", $"WeChat refused the code ({ex.Code}).");
            }
            if (openId.Length is 0 or > 64) return Outcome<Response>.Invalid("code", "WeChat returned no usable openid.");
            partner.BindWeChat(openId);
            actors.Current ??= new Actor(ActorKind.Partner, partner.TenantId, partner.Name, null, null, null, Permissions.Partner, AccessScope.BrandWide,
                PartnerId: partner.Id);
            await db.SaveChangesAsync(ct); // Partner is audited: the change of WeChatOpenId is recorded
            return new Response(true);
        }
    }
}

/// <summary>A partner enters the real name WeChat Pay requires for transfers from ¥2,000. Stored protected; the API
/// answers only that it is set; the audit trail records it masked.</summary>
public static class SetRealName
{
    public sealed record Request(string? RealName);

    public sealed record Response(bool RealNameSet);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, PayoutSecrets secrets)
    {
        public async Task<Outcome<Response>> HandleAsync(Request request, CancellationToken ct)
        {
            if (actors.Current?.PartnerId is not { } id) return Outcome<Response>.Forbidden("Only a partner sets a payee real name.");
            var errors = new FieldErrors().Required("realName", request.RealName, 50);
            if (errors.Any) return errors.ToOutcome<Response>();
            var partner = await db.Partners.FirstOrDefaultAsync(p => p.Id == id, ct);
            if (partner is null) return Outcome<Response>.NotFound("Partner not found.");
            partner.SetProtectedRealName(secrets.ProtectRealName(request.RealName!.Trim()));
            await db.SaveChangesAsync(ct);
            return new Response(true);
        }
    }
}
