using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Audit;
using Guidelink.Core.Features.Orders;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Payouts;

/// <summary>HQ saves the brand's payout policy and, optionally, its merchant settings. Secrets are encrypted before
/// they reach the unit of work and never echoed: the answer (and the audit line) carry only non-secret fields and
/// whether each secret is set. Leaving <c>merchant</c> out keeps the stored one.</summary>
public static class SavePayoutSettings
{
    public sealed record MerchantInput(string? MchId, string? AppId, string? AppSecret, string? CertificateSerialNo, string? PrivateKeyPem,
        string? ApiV3Key, string? PlatformKeyId, string? PlatformPublicKeyPem, string? TransferSceneId, IReadOnlyList<SceneReportInfo>? SceneReportInfos,
        string? UserRecvPerception, string? NotifyUrl, string? ApiBase);

    public sealed record Request(string? Provider, decimal? Minimum, int? FeeBasisPoints, decimal? DailyCap, int? TaxBasisPoints, decimal? TaxThreshold,
        decimal? AutoApproveBelow, decimal? DualApprovalFrom, MerchantInput? Merchant);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, PayoutSecrets secrets, TimeProvider clock)
    {
        public async Task<Outcome<GetPayoutSettings.Response>> HandleAsync(Request r, CancellationToken ct)
        {
            var errors = new FieldErrors();
            if (r.Provider is not (PayoutSettings.Manual or PayoutSettings.WeChatPayTransfer))
                errors.Add("provider", $"must be {PayoutSettings.Manual} or {PayoutSettings.WeChatPayTransfer}.");
            long Fen(string field, decimal? yuan, long fallback, bool positive = false)
            {
                if (yuan is null) return fallback;
                if (!OrderMoney.TryToFen(yuan.Value, out var fen)) { errors.Add(field, "has more than 2 decimals."); return 0; }
                if (fen < 0 || (positive && fen == 0)) errors.Add(field, positive ? "must be above 0." : "cannot be negative.");
                return fen;
            }
            var minimum = Fen("minimum", r.Minimum, 100, positive: true);
            long? cap = r.DailyCap is null ? null : Fen("dailyCap", r.DailyCap, 0, positive: true);
            var taxThreshold = Fen("taxThreshold", r.TaxThreshold, 0);
            var autoBelow = Fen("autoApproveBelow", r.AutoApproveBelow, 50_000);
            var dualFrom = Fen("dualApprovalFrom", r.DualApprovalFrom, 500_000);
            if (r.FeeBasisPoints is < 0 or >= 10_000) errors.Add("feeBasisPoints", "must be between 0 and 9999.");
            if (r.TaxBasisPoints is < 0 or >= 10_000) errors.Add("taxBasisPoints", "must be between 0 and 9999.");
            if (dualFrom < autoBelow) errors.Add("dualApprovalFrom", "cannot be below autoApproveBelow.");
            PayoutMerchant? merchant = null;
            if (r.Merchant is { } m)
            {
                errors.Required("merchant.mchId", m.MchId, 32).Required("merchant.appId", m.AppId, 32).Required("merchant.appSecret", m.AppSecret, 128)
                    .Required("merchant.certificateSerialNo", m.CertificateSerialNo, 64).Required("merchant.privateKeyPem", m.PrivateKeyPem, 8000)
                    .Required("merchant.apiV3Key", m.ApiV3Key, 32).Required("merchant.platformKeyId", m.PlatformKeyId, 64)
                    .Required("merchant.platformPublicKeyPem", m.PlatformPublicKeyPem, 4000).Optional("merchant.transferSceneId", m.TransferSceneId, 16)
                    .Optional("merchant.userRecvPerception", m.UserRecvPerception, 32).Optional("merchant.notifyUrl", m.NotifyUrl, 256);
                if (m.ApiV3Key is { } k && k.Trim().Length != 32) errors.Add("merchant.apiV3Key", "must be 32 characters.");
                var apiBase = string.IsNullOrWhiteSpace(m.ApiBase) ? "https://api.mch.weixin.qq.com" : m.ApiBase.Trim();
                if (!Uri.TryCreate(apiBase, UriKind.Absolute, out var baseUri) || !SecureOrLoopback(baseUri))
                    errors.Add("merchant.apiBase", "must be an absolute https URL (http only on loopback).");
                if (m.NotifyUrl is { Length: > 0 } n)
                {
                    // WeChat posts this brand's notifications here; they verify only at this brand's hook.
                    var hook = $"/hooks/wechatpay/{await BrandSlugAsync(ct)}";
                    if (!Uri.TryCreate(n.Trim(), UriKind.Absolute, out var notify) || !SecureOrLoopback(notify) || notify.Query.Length > 0
                        || !notify.AbsolutePath.Equals(hook, StringComparison.Ordinal))
                        errors.Add("merchant.notifyUrl", $"must be https://<this server's public host>{hook} (http only on loopback, no query).");
                }
                if (!errors.Any)
                    merchant = new PayoutMerchant(m.MchId!.Trim(), m.AppId!.Trim(), m.AppSecret!.Trim(), m.CertificateSerialNo!.Trim(), m.PrivateKeyPem!.Trim(),
                        m.ApiV3Key!.Trim(), m.PlatformKeyId!.Trim(), m.PlatformPublicKeyPem!.Trim(), m.TransferSceneId?.Trim() ?? "1005",
                        m.SceneReportInfos ?? [new("岗位类型", "兼职导购"), new("报酬说明", "佣金报酬")], m.UserRecvPerception?.Trim() ?? "劳务报酬",
                        string.IsNullOrWhiteSpace(m.NotifyUrl) ? null : m.NotifyUrl.Trim(), baseUri!);
            }
            if (errors.Any) return errors.ToOutcome<GetPayoutSettings.Response>();

            var now = clock.GetUtcNow();
            var settings = await db.PayoutSettings.SingleOrDefaultAsync(ct);
            // WeChat Pay cannot send a single bill without the merchant: refuse the switch rather than queue bills that wait forever.
            if (r.Provider == PayoutSettings.WeChatPayTransfer && merchant is null && settings?.MerchantCipher is null)
                return Outcome<GetPayoutSettings.Response>.Invalid("merchant", "is required to pay through WeChatPayTransfer.");
            var before = settings is null ? null : GetPayoutSettings.Describe(settings, secrets);
            if (settings is null) db.PayoutSettings.Add(settings = PayoutSettings.Default(db.TenantContext.Required));
            settings.Change(r.Provider!, minimum, r.FeeBasisPoints ?? 0, cap, r.TaxBasisPoints ?? 0, taxThreshold, autoBelow, dualFrom);
            if (merchant is not null) settings.SetMerchant(secrets.ProtectMerchant(merchant), now);
            var after = GetPayoutSettings.Describe(settings, secrets);
            AuditLog.Add(db, actors.Current, now, "PayoutSettings.Saved", nameof(PayoutSettings), settings.TenantId.ToString(), before, after);
            await db.SaveChangesAsync(ct);
            return after;
        }

        private async Task<string> BrandSlugAsync(CancellationToken ct)
        {
            var tenant = db.TenantContext.Required;
            return await db.Tenants.AsNoTracking().Where(t => t.Id == tenant).Select(t => t.Slug).FirstAsync(ct);
        }

        private static bool SecureOrLoopback(Uri uri) => uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback);
    }
}
