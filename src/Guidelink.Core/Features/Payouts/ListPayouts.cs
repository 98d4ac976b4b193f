using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Commission;
using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Payouts;

/// <summary>The views of payouts: an earner's balance and own withdrawals, Finance's queue, HQ's mismatch report.</summary>
public static class ListPayouts
{
    public sealed record PayoutView(Guid Id, string Holder, string Status, long GrossFen, long TaxFen, long FeeFen, long NetFen,
        string Provider, int ApprovalsRequired, int Approvals, string? OutBillNo, string? FailReason, string? PackageInfo,
        DateTimeOffset RequestedAt, DateTimeOffset UpdatedAt, DateTimeOffset? FinishedAt, string? LastError, int Attempts);

    public sealed record Balance(string Holder, long PendingFen, long AvailableFen, long WithdrawingFen, long PaidOutFen);

    public sealed record MismatchView(Guid Id, Guid? PayoutId, string OutBillNo, string OurState, string ProviderState, string Source, string? Detail, DateTimeOffset At);

    private static PayoutView View(Payout p) => new(p.Id, p.Holder, p.Status.ToString(), p.GrossFen, p.TaxFen, p.FeeFen, p.NetFen, p.Provider,
        p.ApprovalsRequired, (p.FirstApprover is null ? 0 : 1) + (p.SecondApprover is null ? 0 : 1), p.OutBillNo, p.FailReason,
        p.Status == PayoutStatus.WaitUserConfirm ? p.PackageInfo : null, p.RequestedAt, p.UpdatedAt, p.FinishedAt, p.LastError, p.Attempts);

    public sealed class Handler(GuidelinkDb db, ActorContext actors)
    {
        /// <summary>The caller's own balance per bucket, summed from the ledger.</summary>
        public async Task<Outcome<Balance>> BalanceAsync(CancellationToken ct)
        {
            if (await PayoutLedger.EarnerOfAsync(db, actors.Current, ct) is not { } earner) return Outcome<Balance>.Forbidden("Only an earner has a balance.");
            var holder = Earner.HolderOf(earner.Kind, earner.Id);
            var b = await LedgerBook.BalancesAsync(db, holder, null, ct);
            return new Balance(holder, b.GetValueOrDefault(LedgerBucket.Pending), b.GetValueOrDefault(LedgerBucket.Available),
                b.GetValueOrDefault(LedgerBucket.Withdrawing), b.GetValueOrDefault(LedgerBucket.PaidOut));
        }

        /// <summary>The caller's own withdrawals, newest first (an earner never sees anyone else's).</summary>
        public async Task<Outcome<IReadOnlyList<PayoutView>>> MineAsync(CancellationToken ct)
        {
            if (await PayoutLedger.EarnerOfAsync(db, actors.Current, ct) is not { } earner)
                return Outcome<IReadOnlyList<PayoutView>>.Forbidden("Only an earner has withdrawals.");
            var holder = Earner.HolderOf(earner.Kind, earner.Id);
            var rows = await db.Payouts.AsNoTracking().Where(p => p.Holder == holder).OrderByDescending(p => p.RequestedAt).Take(200).ToListAsync(ct);
            return rows.Select(View).ToList();
        }

        /// <summary>Finance's queue: every payout of the brand (optionally one status), newest first.</summary>
        public async Task<Outcome<IReadOnlyList<PayoutView>>> QueueAsync(string? status, CancellationToken ct)
        {
            var actor = actors.Current;
            if (actor is null || !(actor.Has(Permissions.PayoutsApprove) || actor.Has(Permissions.MoneyRead)) || actor.Scope.OnlyOwn || !actor.Scope.IsBrandWide)
                return Outcome<IReadOnlyList<PayoutView>>.Forbidden("The payout queue needs payouts.approve or money.read for the whole brand.");
            var query = db.Payouts.AsNoTracking();
            if (status is not null)
            {
                if (!Enum.TryParse<PayoutStatus>(status, true, out var s)) return Outcome<IReadOnlyList<PayoutView>>.Invalid("status", $"must be one of {string.Join(", ", Enum.GetNames<PayoutStatus>())}.");
                query = query.Where(p => p.Status == s);
            }
            var rows = await query.OrderByDescending(p => p.RequestedAt).Take(500).ToListAsync(ct);
            return rows.Select(View).ToList();
        }

        public async Task<Outcome<IReadOnlyList<MismatchView>>> MismatchesAsync(CancellationToken ct)
        {
            var actor = actors.Current;
            if (actor is null || !(actor.Has(Permissions.PayoutsApprove) || actor.Has(Permissions.MoneyRead)) || !actor.Scope.IsBrandWide)
                return Outcome<IReadOnlyList<MismatchView>>.Forbidden("The reconciliation report needs payouts.approve or money.read for the whole brand.");
            var rows = await db.PayoutMismatches.AsNoTracking().OrderByDescending(m => m.At).Take(500).ToListAsync(ct);
            return rows.Select(m => new MismatchView(m.Id, m.PayoutId, m.OutBillNo, m.OurState, m.ProviderState, m.Source, m.Detail, m.At)).ToList();
        }
    }
}
