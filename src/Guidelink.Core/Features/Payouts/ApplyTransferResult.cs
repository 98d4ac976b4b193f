using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Payouts;

/// <summary>Applies what a provider says about a bill (a send's answer, a notification, a query, a bank result file)
/// to our payout, exactly once: a state is entered at most once (its posting key is unique), a payout never moves
/// back (out-of-order notifications are ignored), a final state is never left, and a contradiction (Success after
/// Fail) is recorded as a mismatch for HQ instead of moving money a second time.</summary>
public static class ApplyTransferResult
{
    public enum Applied { Moved, Unchanged, Mismatch, UnknownBill }

    public enum Verdict { Move, Ignore, Mismatch }

    /// <summary>The whole state machine in one pure function (tested on its own).</summary>
    public static (Verdict Verdict, PayoutStatus Target) Decide(PayoutStatus current, TransferState incoming)
    {
        if (incoming == TransferState.NotFound)
            // Approved: the sender re-sends the same bill. Later: the provider lost a bill it had accepted.
            return current is PayoutStatus.Approved || Payout.IsFinalStatus(current) ? (Verdict.Ignore, current) : (Verdict.Mismatch, current);
        var target = Enum.Parse<PayoutStatus>(incoming.ToString());
        if (current == PayoutStatus.AwaitingApproval) return (Verdict.Mismatch, target); // no bill was ever sent
        if (Payout.IsFinalStatus(current))
            return target == current || !Payout.IsFinalStatus(target) ? (Verdict.Ignore, current) : (Verdict.Mismatch, target);
        if (Payout.IsFinalStatus(target) || Payout.Rank(target) > Payout.Rank(current)) return (Verdict.Move, target);
        return (Verdict.Ignore, current);
    }

    /// <summary>How often a lost race on the payout or the earner's ledger chain is retried before giving up.</summary>
    public const int MaxRetries = 40;

    /// <summary>A jittered, capped exponential back-off: 2–10 ms at first, up to 10–200 ms.</summary>
    public static TimeSpan Backoff(int attempt)
    {
        var ceiling = Math.Min(200, 10 << Math.Min(attempt, 5));
        return TimeSpan.FromMilliseconds(Random.Shared.Next(Math.Min(10, 2 + attempt), ceiling + 1));
    }

    /// <summary>Another writer got there first: a concurrency token or unique key (the payout's state, the earner's chain
    /// position), or PostgreSQL chose us as a deadlock victim or serialization loser (40P01, 40001; possibly wrapped by the
    /// execution strategy). All mean: read again and decide again.</summary>
    public static bool IsLostRace(Exception exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            if (ex is DbUpdateConcurrencyException) return true;
            if (ex is DbUpdateException update && DatabaseSetup.IsUniqueViolation(update)) return true;
        }
        return DatabaseSetup.IsDeadlockOrSerializationFailure(exception);
    }

    public sealed class Handler(GuidelinkDb db, TimeProvider clock)
    {
        /// <summary>Applies <paramref name="result"/> to the payout with its bill number; source is "send", "notification",
        /// "query" or "bank-file" (shown in the mismatch report).</summary>
        public async Task<Applied> HandleAsync(TransferResult result, string source, CancellationToken ct)
        {
            for (var attempt = 0; ; attempt++)
            {
                db.ChangeTracker.Clear();
                var now = clock.GetUtcNow();
                var payout = await db.Payouts.FirstOrDefaultAsync(p => p.OutBillNo == result.OutBillNo, ct);
                if (payout is null)
                {
                    await RecordMismatchAsync(null, result.OutBillNo, "none", result.State.ToString(), source, "no payout has this bill number", now, ct);
                    return Applied.UnknownBill;
                }
                var (verdict, target) = Decide(payout.Status, result.State);
                if (verdict == Verdict.Ignore) return Applied.Unchanged;
                if (verdict == Verdict.Mismatch)
                {
                    await RecordMismatchAsync(payout.Id, result.OutBillNo, payout.Status.ToString(), result.State.ToString(), source, result.FailReason, now, ct);
                    return Applied.Mismatch;
                }

                payout.MoveTo(target, result, now);
                var movements = target switch
                {
                    PayoutStatus.Success => PayoutLedger.Paid(payout),
                    PayoutStatus.Fail => PayoutLedger.Return(payout, "withdrawal failed"),
                    PayoutStatus.Cancelled => PayoutLedger.Return(payout, "withdrawal cancelled"),
                    _ => [],
                };
                await new LedgerBook(db).PostAsync(PayoutLedger.StateKey(payout.Id, target), "Payout", null, result.UpdatedAt ?? now, now, movements, ct);
                try
                {
                    await db.SaveChangesAsync(ct);
                    return Applied.Moved;
                }
                catch (Exception ex) when (attempt < MaxRetries && IsLostRace(ex))
                {
                    // Someone else applied a state (or appended to the earner's chain) first: read again and decide again.
                    // Each loss means another writer won, so a burst for one earner ends; back off with jitter so the
                    // losers do not collide again in lockstep. Giving up throws (a 5xx, and WeChat redelivers).
                    await Task.Delay(Backoff(attempt), ct);
                }
            }
        }

        private async Task RecordMismatchAsync(Guid? payout, string outBillNo, string ours, string theirs, string source, string? detail, DateTimeOffset now, CancellationToken ct)
        {
            db.ChangeTracker.Clear();
            // One line per contradiction, however often the provider repeats it.
            if (await db.PayoutMismatches.AnyAsync(m => m.OutBillNo == outBillNo && m.OurState == ours && m.ProviderState == theirs, ct)) return;
            db.PayoutMismatches.Add(PayoutMismatch.Create(db.TenantContext.Required, payout, outBillNo, ours, theirs, source, detail, now));
            await db.SaveChangesAsync(ct);
        }
    }
}
