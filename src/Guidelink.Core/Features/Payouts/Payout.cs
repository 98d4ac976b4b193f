using Guidelink.Core.Features.Commission;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Features.Payouts;

/// <summary>Where a payout stands. The first three are ours (before the provider knows the bill); the rest mirror
/// <see cref="TransferState"/>. Rejected, Success, Fail and Cancelled are final: a final state is never left.</summary>
public enum PayoutStatus
{
    AwaitingApproval, Rejected, Approved,
    Accepted, Processing, WaitUserConfirm, Transfering, Success, Fail, Canceling, Cancelled,
}

/// <summary>One withdrawal and its transfer: the earner asked for <see cref="GrossFen"/> out of Available; tax and fee
/// were computed on the gross at request time, so <see cref="NetFen"/> (what is transferred) never changes.
/// <see cref="OutBillNo"/> is fixed when the payout is approved and committed before any provider call; every retry
/// of the transfer uses it, so the provider can never pay the same withdrawal twice.</summary>
public sealed class Payout : ITenantOwned
{
    private Payout() { }

    public TenantId TenantId { get; private set; }
    public Guid Id { get; private set; }
    /// <summary>The ledger holder ("PartTimeGuide:{id}", "OfficialGuide:{staffId}").</summary>
    public string Holder { get; private set; } = "";
    public EarnerKind EarnerKind { get; private set; }
    public Guid EarnerId { get; private set; }
    /// <summary>The client's idempotency key for the request (a retry returns the first answer).</summary>
    public string? RequestKey { get; private set; }
    public long GrossFen { get; private set; }
    public long TaxFen { get; private set; }
    public long FeeFen { get; private set; }
    public long NetFen { get; private set; }
    public PayoutStatus Status { get; private set; }
    /// <summary>"Manual" or "WeChatPayTransfer": chosen from the brand's setting at request time.</summary>
    public string Provider { get; private set; } = "";
    public DateTimeOffset RequestedAt { get; private set; }
    /// <summary>Audit id of whoever asked (the approval rules compare approvers with it).</summary>
    public string RequestedBy { get; private set; } = "";
    public int ApprovalsRequired { get; private set; }
    public string? FirstApprover { get; private set; }
    public DateTimeOffset? FirstApprovedAt { get; private set; }
    public string? SecondApprover { get; private set; }
    public DateTimeOffset? SecondApprovedAt { get; private set; }
    public string? RejectedBy { get; private set; }
    public string? RejectReason { get; private set; }
    /// <summary>Our bill number (letters and digits, 32 at most), unique per brand; null until approved.</summary>
    public string? OutBillNo { get; private set; }
    public string? TransferBillNo { get; private set; }
    /// <summary>For WaitUserConfirm: what the partner's page hands to WeixinJSBridge requestMerchantTransfer.</summary>
    public string? PackageInfo { get; private set; }
    public string? FailReason { get; private set; }
    public DateTimeOffset? FinishedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    /// <summary>Send attempts so far; more than zero while Approved means an earlier outcome is unknown.</summary>
    public int Attempts { get; private set; }
    public DateTimeOffset? NextAttemptAt { get; private set; }
    public string? LastError { get; private set; }
    /// <summary>Which sender holds the bill right now (row claim), so two senders never call the provider at once.</summary>
    public string? ClaimedBy { get; private set; }
    public DateTimeOffset? ClaimedUntil { get; private set; }
    /// <summary>Optimistic concurrency: every change bumps it, so a notification and the sender never both apply.</summary>
    public int Version { get; private set; }

    public bool IsFinal => IsFinalStatus(Status);

    public static bool IsFinalStatus(PayoutStatus s) => s is PayoutStatus.Rejected or PayoutStatus.Success or PayoutStatus.Fail or PayoutStatus.Cancelled;

    public static Payout Request(TenantId tenant, EarnerKind kind, Guid earner, string? key, long gross, long tax, long fee, string provider,
        string requestedBy, int approvalsRequired, DateTimeOffset now) => new()
        {
            TenantId = tenant,
            Id = Guid.CreateVersion7(),
            Holder = Earner.HolderOf(kind, earner),
            EarnerKind = kind,
            EarnerId = earner,
            RequestKey = key,
            GrossFen = gross,
            TaxFen = tax,
            FeeFen = fee,
            NetFen = gross - tax - fee,
            Provider = provider,
            RequestedAt = now,
            RequestedBy = requestedBy,
            ApprovalsRequired = approvalsRequired,
            Status = PayoutStatus.AwaitingApproval,
            UpdatedAt = now,
        };

    /// <summary>The bill number, 32 letters and digits: "G" + the payout id's hex without its version digit (always 7
    /// in a v7 Guid), so it is unique as the id is, and derived, so it cannot change between retries.</summary>
    public static string BillNoOf(Guid id)
    {
        var hex = id.ToString("N");
        return "G" + hex[..12] + hex[13..];
    }

    /// <summary>Records one approval; the second must come from someone else. Returns false if this person may not
    /// approve (already did). When enough approvals are in, the bill number is fixed and the payout is due to send.</summary>
    public bool Approve(string approver, DateTimeOffset now)
    {
        if (Status != PayoutStatus.AwaitingApproval || approver == FirstApprover) return false;
        if (FirstApprover is null) (FirstApprover, FirstApprovedAt) = (approver, now);
        else (SecondApprover, SecondApprovedAt) = (approver, now);
        var count = SecondApprover is null ? 1 : 2;
        if (count >= ApprovalsRequired) MarkApproved(now);
        Touch(now);
        return true;
    }

    /// <summary>Approval with no person (under the auto-approval threshold).</summary>
    public void AutoApprove(DateTimeOffset now)
    {
        MarkApproved(now);
        Touch(now);
    }

    private void MarkApproved(DateTimeOffset now)
    {
        Status = PayoutStatus.Approved;
        OutBillNo = BillNoOf(Id);
        NextAttemptAt = now;
    }

    public void Reject(string by, string? reason, DateTimeOffset now)
    {
        Status = PayoutStatus.Rejected;
        RejectedBy = by;
        RejectReason = reason;
        FinishedAt = now;
        Touch(now);
    }

    /// <summary>A send attempt whose outcome is unknown: the same bill is tried again (or queried) later.</summary>
    public void SendUnknown(string error, DateTimeOffset retryAt, DateTimeOffset now)
    {
        LastError = error.Length > 300 ? error[..300] : error;
        NextAttemptAt = retryAt;
        Touch(now);
    }

    public void CountAttempt() => Attempts++;

    /// <summary>Moves to a provider state (the caller decided it is a forward move and posts the money).</summary>
    public void MoveTo(PayoutStatus status, TransferResult result, DateTimeOffset now)
    {
        Status = status;
        TransferBillNo = result.TransferBillNo ?? TransferBillNo;
        PackageInfo = result.PackageInfo ?? PackageInfo;
        if (result.FailReason is not null) FailReason = result.FailReason.Length > 100 ? result.FailReason[..100] : result.FailReason;
        if (IsFinal) { FinishedAt = now; NextAttemptAt = null; }
        Touch(now);
    }

    private void Touch(DateTimeOffset now)
    {
        UpdatedAt = now;
        Version++;
    }

    /// <summary>How far along a non-final state is: notifications that arrive out of order never move a payout back.</summary>
    public static int Rank(PayoutStatus s) => s switch
    {
        PayoutStatus.AwaitingApproval => 0,
        PayoutStatus.Approved => 1,
        PayoutStatus.Accepted => 2,
        PayoutStatus.Processing => 3,
        PayoutStatus.WaitUserConfirm => 4,
        PayoutStatus.Transfering => 5,
        PayoutStatus.Canceling => 6,
        _ => 9,
    };
}

/// <summary>A disagreement between our record of a payout and the provider's (reconciliation report for HQ):
/// a Success after a Fail, a bill the provider does not know, a notification for a bill we never made.</summary>
public sealed class PayoutMismatch : ITenantOwned
{
    private PayoutMismatch() { }

    public TenantId TenantId { get; private set; }
    public Guid Id { get; private set; }
    public Guid? PayoutId { get; private set; }
    public string OutBillNo { get; private set; } = "";
    public string OurState { get; private set; } = "";
    public string ProviderState { get; private set; } = "";
    /// <summary>"notification" or "query".</summary>
    public string Source { get; private set; } = "";
    public string? Detail { get; private set; }
    public DateTimeOffset At { get; private set; }

    public static PayoutMismatch Create(TenantId tenant, Guid? payout, string outBillNo, string ours, string theirs, string source, string? detail, DateTimeOffset now) => new()
    {
        TenantId = tenant,
        Id = Guid.CreateVersion7(),
        PayoutId = payout,
        OutBillNo = outBillNo.Length > 40 ? outBillNo[..40] : outBillNo,
        OurState = ours,
        ProviderState = theirs,
        Source = source,
        Detail = detail is { Length: > 300 } ? detail[..300] : detail,
        At = now,
    };
}
