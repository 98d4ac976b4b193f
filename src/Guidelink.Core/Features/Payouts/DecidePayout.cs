using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Audit;
using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Payouts;

/// <summary>Finance approves or rejects a withdrawal awaiting approval. The requester can never approve their own;
/// above the dual-approval threshold two different people must approve. A rejection returns the gross to Available.
/// The payout's version makes two approvers acting at the same instant safe: one of them is told to reload.</summary>
public static class DecidePayout
{
    public sealed record Request(Guid PayoutId, bool Approve, string? Reason);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, TimeProvider clock)
    {
        public async Task<Outcome<RequestWithdrawal.Response>> HandleAsync(Request request, CancellationToken ct)
        {
            var actor = actors.Current!;
            if (!actor.Has(Permissions.PayoutsApprove)) return Outcome<RequestWithdrawal.Response>.Forbidden("Approving payouts needs payouts.approve.");
            if (request.Reason is { Length: > 300 }) return Outcome<RequestWithdrawal.Response>.Invalid("reason", "must be at most 300 characters.");
            var payout = await db.Payouts.FirstOrDefaultAsync(p => p.Id == request.PayoutId, ct);
            if (payout is null) return Outcome<RequestWithdrawal.Response>.NotFound($"Payout {request.PayoutId} not found.");
            if (payout.Status != PayoutStatus.AwaitingApproval)
                return Outcome<RequestWithdrawal.Response>.Conflict($"The payout is {payout.Status}, not awaiting approval.");
            if (payout.RequestedBy == actor.AuditId || payout.EarnerId.ToString() == actor.AuditId)
                return Outcome<RequestWithdrawal.Response>.Forbidden("Nobody approves or rejects their own withdrawal.");

            var now = clock.GetUtcNow();
            var before = new { Status = payout.Status.ToString(), payout.FirstApprover };
            if (request.Approve)
            {
                if (!payout.Approve(actor.AuditId, now))
                    return Outcome<RequestWithdrawal.Response>.Conflict("You already approved this payout; a second, different person must approve it.");
            }
            else
            {
                payout.Reject(actor.AuditId, request.Reason?.Trim(), now);
                await new LedgerBook(db).PostAsync(PayoutLedger.StateKey(payout.Id, PayoutStatus.Rejected), "Payout", null, now, now,
                    PayoutLedger.Return(payout, "withdrawal rejected"), ct);
            }
            AuditLog.Add(db, actor, now, request.Approve ? "Payout.Approved" : "Payout.Rejected", nameof(Payout), payout.Id.ToString(), before,
                new { Status = payout.Status.ToString(), payout.FirstApprover, payout.SecondApprover, payout.OutBillNo, payout.RejectReason });
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException ex) when (ex is DbUpdateConcurrencyException || DatabaseSetup.IsUniqueViolation(ex))
            {
                return Outcome<RequestWithdrawal.Response>.Conflict("The payout changed at the same moment; reload it.");
            }
            return RequestWithdrawal.ToResponse(payout, false);
        }
    }
}
