using Guidelink.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Payouts;

/// <summary>The brand's payout settings as the API shows them: the policy, the merchant's non-secret fields, and for
/// each secret only whether it is set.</summary>
public static class GetPayoutSettings
{
    public sealed record MerchantView(string MchId, string AppId, string CertificateSerialNo, string PlatformKeyId, string TransferSceneId,
        string UserRecvPerception, string? NotifyUrl, string ApiBase, bool AppSecretSet, bool PrivateKeySet, bool ApiV3KeySet, bool PlatformPublicKeySet,
        DateTimeOffset? UpdatedAt);

    public sealed record Response(string Provider, long MinimumFen, int FeeBasisPoints, long? DailyCapFen, int TaxBasisPoints, long TaxThresholdFen,
        long AutoApproveBelowFen, long DualApprovalFromFen, bool MerchantSet, MerchantView? Merchant);

    public static Response Describe(PayoutSettings s, PayoutSecrets secrets)
    {
        MerchantView? merchant = null;
        if (s.MerchantCipher is { } cipher)
        {
            var m = secrets.UnprotectMerchant(cipher);
            merchant = new MerchantView(m.MchId, m.AppId, m.CertificateSerialNo, m.PlatformKeyId, m.TransferSceneId, m.UserRecvPerception, m.NotifyUrl,
                m.ApiBase.ToString(), m.AppSecret.Length > 0, m.PrivateKeyPem.Length > 0, m.ApiV3Key.Length > 0, m.PlatformPublicKeyPem.Length > 0, s.MerchantUpdatedAt);
        }
        return new Response(s.Provider, s.MinimumFen, s.FeeBasisPoints, s.DailyCapFen, s.TaxBasisPoints, s.TaxThresholdFen, s.AutoApproveBelowFen,
            s.DualApprovalFromFen, merchant is not null, merchant);
    }

    public sealed class Handler(GuidelinkDb db, PayoutSecrets secrets)
    {
        public async Task<Response> HandleAsync(CancellationToken ct) =>
            Describe(await db.PayoutSettings.AsNoTracking().SingleOrDefaultAsync(ct) ?? PayoutSettings.Default(db.TenantContext.Required), secrets);
    }
}

/// <summary>Loads a brand's decrypted merchant settings for one provider call. Never log or return the result.</summary>
public static class LoadPayoutMerchant
{
    /// <summary>What the Manual provider gets when the brand has no merchant: it needs none.</summary>
    public static readonly PayoutMerchant None = new("", "", "", "", "", "", "", "", "1005", [], "", null, new Uri("https://localhost/"));

    public sealed class Handler(GuidelinkDb db, PayoutSecrets secrets)
    {
        public async Task<(PayoutSettings Settings, PayoutMerchant? Merchant)> HandleAsync(CancellationToken ct)
        {
            var settings = await db.PayoutSettings.AsNoTracking().SingleOrDefaultAsync(ct) ?? PayoutSettings.Default(db.TenantContext.Required);
            return (settings, settings.MerchantCipher is { } c ? secrets.UnprotectMerchant(c) : null);
        }
    }
}
