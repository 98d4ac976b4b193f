using Guidelink.Core.Features.Jobs;
using Guidelink.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Guidelink.Core.Features.Payouts;

/// <summary>Polls the provider for every payout it has (or may have) and that is not final yet, by out_bill_no, and
/// applies what it learns — a lost notification costs a delay, never money. Contradictions land in the mismatch report
/// (<see cref="PayoutMismatch"/>). Approved payouts whose send is still pending are left to the sender.</summary>
public static class ReconcilePayouts
{
    public sealed record Response(int Queried, int Moved, int Mismatches);

    public sealed class Handler(GuidelinkDb db, PayoutProviders providers, LoadPayoutMerchant.Handler merchants, ApplyTransferResult.Handler apply,
        ILogger<Handler> logger)
    {
        public async Task<Response> HandleAsync(CancellationToken ct)
        {
            var open = await db.Payouts.AsNoTracking()
                .Where(p => p.Status == PayoutStatus.Accepted || p.Status == PayoutStatus.Processing || p.Status == PayoutStatus.WaitUserConfirm
                            || p.Status == PayoutStatus.Transfering || p.Status == PayoutStatus.Canceling)
                .OrderBy(p => p.UpdatedAt).Select(p => new { p.OutBillNo, p.Provider }).Take(500).ToListAsync(ct);
            if (open.Count == 0) return new Response(0, 0, 0);
            var (_, merchant) = await merchants.HandleAsync(ct);
            int queried = 0, moved = 0, mismatches = 0;
            foreach (var p in open)
            {
                var provider = providers.For(p.Provider);
                if (provider is null || (merchant is null && p.Provider != PayoutSettings.Manual)) continue;
                TransferResult result;
                try
                {
                    result = await provider.QueryAsync(merchant ?? LoadPayoutMerchant.None, p.OutBillNo!, ct);
                }
                catch (Exception ex) when (ex is TransferOutcomeUnknownException or TransferRejectedException)
                {
                    logger.LogWarning("Reconciliation could not query payout {OutBillNo}: {Error}", p.OutBillNo, ex.Message);
                    continue;
                }
                queried++;
                switch (await apply.HandleAsync(result with { OutBillNo = p.OutBillNo! }, "query", ct))
                {
                    case ApplyTransferResult.Applied.Moved: moved++; break;
                    case ApplyTransferResult.Applied.Mismatch: mismatches++; break;
                }
            }
            return new Response(queried, moved, mismatches);
        }
    }

    /// <summary>Every five minutes, for every brand (once across instances, by the job lease).</summary>
    public sealed class Job : IScheduledJob
    {
        public string Name => "payouts-reconcile";
        public string Cron => "*/5 * * * *";

        public Task RunAsync(IServiceProvider scopedServices, DateTimeOffset dueAt, CancellationToken ct) =>
            Jobs.EveryBrand.RunAsync(scopedServices, "payout-reconciliation", services => services.GetRequiredService<Handler>().HandleAsync(ct), ct);
    }
}
