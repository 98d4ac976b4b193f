using System.Security;
using Guidelink.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Payouts;

/// <summary>Pays by bank transfer: "sending" a bill only queues it for the next bank file (Accepted); Finance exports
/// the file (<see cref="ExportManualPayouts"/>), the bank pays, and the bank's result file marks each bill Success or
/// Fail (<see cref="ImportManualResults"/>). Its "provider state" is our own record, so reconciliation finds nothing
/// to correct, and it takes no notifications.</summary>
public sealed class ManualPayoutProvider(GuidelinkDb db) : IPayoutProvider
{
    public string Kind => PayoutSettings.Manual;

    public Task<TransferResult> SendAsync(PayoutMerchant merchant, PayoutTransfer transfer, CancellationToken ct) =>
        Task.FromResult(new TransferResult(transfer.OutBillNo, TransferState.Accepted));

    public async Task<TransferResult> QueryAsync(PayoutMerchant merchant, string outBillNo, CancellationToken ct)
    {
        var status = await db.Payouts.AsNoTracking().Where(p => p.OutBillNo == outBillNo).Select(p => (PayoutStatus?)p.Status).FirstOrDefaultAsync(ct);
        var state = status is null or PayoutStatus.AwaitingApproval or PayoutStatus.Approved or PayoutStatus.Rejected
            ? TransferState.NotFound : Enum.Parse<TransferState>(status.Value.ToString());
        return new TransferResult(outBillNo, state);
    }

    public async Task<TransferResult> CancelAsync(PayoutMerchant merchant, string outBillNo, CancellationToken ct)
    {
        // A bill already in a bank file may be paid by the bank any moment: only a queued one can be cancelled.
        var known = await QueryAsync(merchant, outBillNo, ct);
        return known.State == TransferState.Accepted ? known with { State = TransferState.Cancelled }
            : throw new TransferRejectedException("ALREADY_EXPORTED", "The bill is already in a bank file.");
    }

    public TransferNotification ParseNotification(PayoutMerchant merchant, IReadOnlyDictionary<string, string> headers, string body) =>
        throw new SecurityException("Manual payouts take no notifications.");
}
