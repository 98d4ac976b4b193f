using Guidelink.Core.Features.Jobs;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Guidelink.Core.Features.Payouts;

/// <summary>Sends approved payouts to the brand's provider. Only this job calls SendAsync, and only for a payout whose
/// bill number is already committed. The job runner runs it once per occurrence across all instances (one sender per
/// brand and merchant at a time); on top of that each payout is claimed by a conditional UPDATE before its call, so
/// even a sender that outlived its job lease cannot call the provider for a bill another sender holds. After an unknown
/// outcome the same bill is queried first (NotFound = never received: send the same bill again) — never re-made.</summary>
public static class SendPayouts
{
    public sealed record Response(int Sent, int Unknown, int Failed);

    /// <summary>How long a sender holds one bill: longer than any provider call (HTTP timeouts are far shorter).</summary>
    public static readonly TimeSpan Claim = TimeSpan.FromMinutes(2);

    public sealed class Handler(GuidelinkDb db, TimeProvider clock, PayoutProviders providers, LoadPayoutMerchant.Handler merchants,
        ApplyTransferResult.Handler apply, PayoutSecrets secrets, PayoutCrashFault crash, ILogger<Handler> logger)
    {
        public async Task<Response> HandleAsync(string sender, CancellationToken ct)
        {
            int sent = 0, unknown = 0, failed = 0;
            var now = clock.GetUtcNow();
            var due = await db.Payouts.AsNoTracking()
                .Where(p => p.Status == PayoutStatus.Approved && p.NextAttemptAt != null && p.NextAttemptAt <= now)
                .OrderBy(p => p.NextAttemptAt).Select(p => p.Id).Take(100).ToListAsync(ct);
            if (due.Count == 0) return new Response(0, 0, 0);
            var (settings, merchant) = await merchants.HandleAsync(ct);

            foreach (var id in due)
            {
                now = clock.GetUtcNow();
                var until = now + Claim;
                var claimed = await db.Payouts
                    .Where(p => p.Id == id && p.Status == PayoutStatus.Approved && (p.ClaimedUntil == null || p.ClaimedUntil < now))
                    .ExecuteUpdateAsync(s => s.SetProperty(p => p.ClaimedBy, sender).SetProperty(p => p.ClaimedUntil, until)
                        .SetProperty(p => p.Attempts, p => p.Attempts + 1), ct);
                if (claimed != 1) continue; // another sender holds it, or it moved on
                db.ChangeTracker.Clear();
                var payout = await db.Payouts.AsNoTracking().SingleAsync(p => p.Id == id, ct);
                try
                {
                    var provider = providers.For(payout.Provider) ?? throw new TransferOutcomeUnknownException($"No payout provider '{payout.Provider}' is registered.");
                    var forProvider = payout.Provider == PayoutSettings.Manual ? merchant ?? LoadPayoutMerchant.None
                        : merchant ?? throw new TransferOutcomeUnknownException("The brand has no merchant settings.");
                    var transfer = await TransferOfAsync(payout, ct);
                    crash.At(PayoutCrashFault.AfterCommit); // test only: the bill is committed and claimed, nothing sent
                    TransferResult result;
                    if (payout.Attempts > 1)
                    {
                        // An earlier attempt's outcome is unknown: ask first. NotFound means it never arrived, so the same
                        // bill (same out_bill_no) is sent again; anything else is the bill's real state.
                        var known = await provider.QueryAsync(forProvider, payout.OutBillNo!, ct);
                        result = known.State == TransferState.NotFound ? await provider.SendAsync(forProvider, transfer, ct) : known;
                    }
                    else result = await provider.SendAsync(forProvider, transfer, ct);
                    crash.At(PayoutCrashFault.AfterSend); // test only: the provider has the bill, its answer is not recorded
                    await apply.HandleAsync(result with { OutBillNo = payout.OutBillNo! }, "send", ct);
                    sent++;
                }
                catch (TransferRejectedException ex)
                {
                    // Refused for good: no bill exists, the withdrawal fails and the money returns to Available.
                    await apply.HandleAsync(new TransferResult(payout.OutBillNo!, TransferState.Fail, FailReason: ex.Code), "send", ct);
                    failed++;
                }
                catch (TransferOutcomeUnknownException ex)
                {
                    // Exponential back-off (30 s, 1, 2, 4 … min, at most an hour); the same bill is tried again.
                    var delay = TimeSpan.FromSeconds(Math.Min(3600, 30 * Math.Pow(2, Math.Min(payout.Attempts - 1, 7))));
                    var retryAt = clock.GetUtcNow() + delay;
                    var error = ex.Message.Length > 300 ? ex.Message[..300] : ex.Message;
                    await db.Payouts.Where(p => p.Id == id).ExecuteUpdateAsync(s => s.SetProperty(p => p.NextAttemptAt, retryAt).SetProperty(p => p.LastError, error), ct);
                    logger.LogWarning("Payout {OutBillNo}: outcome unknown on attempt {Attempt} ({Error}); will retry the same bill", payout.OutBillNo, payout.Attempts, error);
                    unknown++;
                }
                finally
                {
                    await db.Payouts.Where(p => p.Id == id && p.ClaimedBy == sender)
                        .ExecuteUpdateAsync(s => s.SetProperty(p => p.ClaimedBy, (string?)null).SetProperty(p => p.ClaimedUntil, (DateTimeOffset?)null), CancellationToken.None);
                }
            }
            return new Response(sent, unknown, failed);
        }

        private async Task<PayoutTransfer> TransferOfAsync(Payout payout, CancellationToken ct)
        {
            string openId = "";
            string? realName = null;
            if (PayoutLedger.IsPartner(payout.EarnerKind))
            {
                var partner = await db.Partners.AsNoTracking().Where(p => p.Id == new PartnerId(payout.EarnerId))
                    .Select(p => new { p.WeChatOpenId, p.RealName }).FirstOrDefaultAsync(ct);
                openId = partner?.WeChatOpenId ?? "";
                if (payout.NetFen >= PayoutSettings.RealNameThresholdFen && partner?.RealName is { } cipher) realName = secrets.UnprotectRealName(cipher);
            }
            if (payout.Provider == PayoutSettings.WeChatPayTransfer && openId.Length == 0)
                throw new TransferRejectedException("NO_OPENID", "The earner has not bound a WeChat openid.");
            return new PayoutTransfer(payout.OutBillNo!, openId, payout.NetFen, "佣金提现", realName);
        }
    }

    /// <summary>Every 15 seconds, for every brand. One job for all brands, run by one instance at a time (job lease),
    /// so each merchant has one sender.</summary>
    public sealed class Job : IScheduledJob
    {
        public string Name => "payouts-send";
        public string Cron => "*/15 * * * * *";

        public Task RunAsync(IServiceProvider scopedServices, DateTimeOffset dueAt, CancellationToken ct)
        {
            var runner = scopedServices.GetRequiredService<JobRunner>();
            return Jobs.EveryBrand.RunAsync(scopedServices, "payout-sender",
                services => services.GetRequiredService<Handler>().HandleAsync(runner.InstanceId, ct), ct);
        }
    }
}

/// <summary>Fault injection for the crash test (tests/Guidelink.Web.Tests/WeChatPayoutCrashTests.cs) and nothing else:
/// with <c>Guidelink:Faults:PayoutCrash</c> set to <see cref="AfterCommit"/> or <see cref="AfterSend"/>, the sender kills
/// its own process (<see cref="Environment.FailFast(string)"/>) at that point, as a power cut would. Unset (always, outside
/// that test) it does nothing. See docs/wechat-pay.md, "Crash test".</summary>
public sealed class PayoutCrashFault(Microsoft.Extensions.Configuration.IConfiguration configuration)
{
    public const string Key = "Guidelink:Faults:PayoutCrash";

    /// <summary>The payout's bill number is committed and the payout claimed; the request is not sent.</summary>
    public const string AfterCommit = "AfterCommit";

    /// <summary>The request was sent and answered; the answer is not recorded.</summary>
    public const string AfterSend = "AfterSend";

    private readonly string? _point = configuration[Key];

    public void At(string point)
    {
        if (_point is not null && string.Equals(_point, point, StringComparison.OrdinalIgnoreCase))
            Environment.FailFast($"{Key}={point}: crashing on purpose (fault injection for the payout crash test).");
    }
}
