namespace Guidelink.Web.Tests.MoneyModel;

/// <summary>The reference model of withdrawals, written from DOMAIN.md ("How money moves") and docs/api.md (Payouts), not
/// from Core: a request below the minimum, above Available or without a bound WeChat is refused; tax (partners: the rate
/// on the part of the gross above the threshold) and fee (on the gross) are rounded half up at request time; the gross
/// moves Available → Withdrawing at once; approvals: none below the auto-approval threshold, one below the dual threshold,
/// else two different people; a rejection, a FAIL or a CANCELLED returns the gross to Available with no tax or fee; a
/// SUCCESS moves the gross to PaidOut and books tax and fee to the brand (PaidOut holds the net).
/// <para>A FAIL / CANCELLED whose notification was lost is known to the server only when it asks WeChat (sender,
/// reconciliation): until a notification is delivered the model counts that gross as "maybe back" and the generator
/// asks only for amounts whose answer does not depend on it.</para></summary>
internal sealed class PayoutModel(ReferenceModel money, long minimumFen, int feeBasisPoints, int taxBasisPoints, long taxThresholdFen,
    long autoApproveBelowFen, long dualApprovalFromFen)
{
    public enum State { AwaitingApproval, Rejected, Approved, Success, Fail, Cancelled }

    public sealed class Payout(int no, string holder, string key, long gross, long tax, long fee, int approvalsRequired)
    {
        public int No { get; } = no;
        public string Holder { get; } = holder;
        public string Key { get; } = key;
        public long GrossFen { get; } = gross;
        public long TaxFen { get; } = tax;
        public long FeeFen { get; } = fee;
        public long NetFen => GrossFen - TaxFen - FeeFen;
        public int ApprovalsRequired { get; } = approvalsRequired;
        public HashSet<int> Approvers { get; } = [];
        public State State { get; set; } = approvalsRequired == 0 ? State.Approved : State.AwaitingApproval;
        /// <summary>A final FAIL/CANCELLED at WeChat that no delivered notification has told the server yet.</summary>
        public bool ReturnUnconfirmed { get; set; }
        public Guid Id { get; set; }
        public string? OutBillNo { get; set; }
        public bool IsFinal => State is State.Rejected or State.Success or State.Fail or State.Cancelled;
        public override string ToString() => $"payout #{No} ({GrossFen} fen{(OutBillNo is null ? "" : ", bill " + OutBillNo)})";
    }

    private readonly List<Payout> _payouts = [];
    private readonly HashSet<string> _bound = new(StringComparer.Ordinal);

    public IReadOnlyList<Payout> Payouts => _payouts;
    public long MinimumFen => minimumFen;
    public long TaxWithheldFen { get; private set; }
    public long FeeIncomeFen { get; private set; }

    public void Bind(string holder) => _bound.Add(holder);

    public bool IsBound(string holder) => _bound.Contains(holder);

    /// <summary>Available as the server sees it for certain (returns it may not know of yet left out) and at most.</summary>
    public (long Low, long High) Available(string holder)
    {
        var high = money.Balances.GetValueOrDefault(holder)?.Available ?? 0;
        return (high - _payouts.Where(p => p.Holder == holder && p.ReturnUnconfirmed).Sum(p => p.GrossFen), high);
    }

    public (long Tax, long Fee) Deductions(long gross) =>
        (taxBasisPoints > 0 && gross > taxThresholdFen ? ReferenceModel.HalfUp((Int128)(gross - taxThresholdFen) * taxBasisPoints, 10_000) : 0,
            ReferenceModel.HalfUp((Int128)gross * feeBasisPoints, 10_000));

    /// <summary>A request: the refused field, or the new payout (the generator never asks inside the uncertain band).</summary>
    public (Payout? Payout, string? Refused) Request(string holder, string key, long gross)
    {
        if (gross < minimumFen) return (null, "amount");
        var (tax, fee) = Deductions(gross);
        if (gross - tax - fee <= 0) return (null, "amount");
        if (!_bound.Contains(holder)) return (null, "wechat");
        var (low, high) = Available(holder);
        if (gross > high) return (null, "amount");
        if (gross > low) throw new InvalidOperationException($"the generator asked for {gross} fen inside {holder}'s uncertain band [{low}, {high}]");
        var approvals = gross < autoApproveBelowFen ? 0 : gross < dualApprovalFromFen ? 1 : 2;
        var payout = new Payout(_payouts.Count + 1, holder, key, gross, tax, fee, approvals);
        _payouts.Add(payout);
        money.MovePayout(holder, -gross, gross, 0);
        return (payout, null);
    }

    /// <summary>A decision by an approver: the status after it, or null when the server must answer 409.</summary>
    public string? Decide(Payout p, int approver, bool approve)
    {
        if (p.State != State.AwaitingApproval) return null;
        if (!approve)
        {
            p.State = State.Rejected;
            money.MovePayout(p.Holder, p.GrossFen, -p.GrossFen, 0);
            return "Rejected";
        }
        if (!p.Approvers.Add(approver)) return null;
        if (p.Approvers.Count >= p.ApprovalsRequired) p.State = State.Approved;
        return p.State.ToString();
    }

    /// <summary>WeChat ended the bill: SUCCESS, FAIL or CANCELLED.</summary>
    public void Finish(Payout p, string state, bool delivered)
    {
        if (p.IsFinal || p.State != State.Approved) throw new InvalidOperationException($"{p} is {p.State}: WeChat cannot end it");
        switch (state)
        {
            case "SUCCESS":
                p.State = State.Success;
                money.MovePayout(p.Holder, 0, -p.GrossFen, p.NetFen);
                TaxWithheldFen += p.TaxFen;
                FeeIncomeFen += p.FeeFen;
                break;
            case "FAIL" or "CANCELLED":
                p.State = state == "FAIL" ? State.Fail : State.Cancelled;
                money.MovePayout(p.Holder, p.GrossFen, -p.GrossFen, 0);
                p.ReturnUnconfirmed = !delivered;
                break;
            default:
                throw new InvalidOperationException($"not a final state: {state}");
        }
    }

    /// <summary>A notification of the final state reached the server (204): it knows.</summary>
    public static void Delivered(Payout p) => p.ReturnUnconfirmed = false;
}
