using System.Security;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Payouts;

/// <summary>A provider's state notification for one brand (POST /hooks/wechatpay/{brand}): the provider verifies the
/// signature over the raw body and decrypts it; we apply it like any other answer (idempotent, never backwards).
/// A bad signature is refused and changes nothing.</summary>
public static class ReceivePayoutNotification
{
    public sealed record Request(string Brand, IReadOnlyDictionary<string, string> Headers, string Body);

    public sealed record Response(string OutBillNo, string Applied);

    public sealed class Handler(GuidelinkDb db, PayoutProviders providers, LoadPayoutMerchant.Handler merchants, ApplyTransferResult.Handler apply)
    {
        public async Task<Outcome<Response>> HandleAsync(Request request, CancellationToken ct)
        {
            // The brand comes from the URL (the notify URL is per brand); the tenant table is a platform table.
            var tenant = await db.Tenants.AsNoTracking().Where(t => t.Slug == request.Brand).Select(t => (TenantId?)t.Id).FirstOrDefaultAsync(ct);
            if (tenant is null) return Outcome<Response>.NotFound("Unknown brand.");
            db.TenantContext.Set(tenant.Value);
            var (settings, merchant) = await merchants.HandleAsync(ct);
            var provider = providers.For(settings.Provider);
            if (provider is null || merchant is null) return Outcome<Response>.NotFound("The brand takes no payout notifications.");
            TransferNotification notification;
            try
            {
                notification = provider.ParseNotification(merchant, request.Headers, request.Body);
            }
            catch (SecurityException)
            {
                return Outcome<Response>.Invalid("signature", "does not verify.");
            }
            var applied = await apply.HandleAsync(notification.Result, "notification", ct);
            return new Response(notification.Result.OutBillNo, applied.ToString());
        }
    }
}
