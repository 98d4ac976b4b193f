using Guidelink.Core.Features.Payouts;
using static Guidelink.Core.Features.Payouts.ApplyTransferResult;

namespace Guidelink.Web.Tests;

/// <summary>The payout state machine on its own: forward only, a final state is never left, contradictions are
/// mismatches, NotFound means "send the same bill again" only before the provider has acknowledged it.</summary>
public sealed class PayoutStateMachineTests
{
    [Theory]
    [InlineData(PayoutStatus.Approved, TransferState.Accepted, Verdict.Move, PayoutStatus.Accepted)]
    [InlineData(PayoutStatus.Approved, TransferState.Success, Verdict.Move, PayoutStatus.Success)]
    [InlineData(PayoutStatus.Accepted, TransferState.WaitUserConfirm, Verdict.Move, PayoutStatus.WaitUserConfirm)]
    [InlineData(PayoutStatus.WaitUserConfirm, TransferState.Accepted, Verdict.Ignore, PayoutStatus.WaitUserConfirm)]
    [InlineData(PayoutStatus.Transfering, TransferState.Processing, Verdict.Ignore, PayoutStatus.Transfering)]
    [InlineData(PayoutStatus.WaitUserConfirm, TransferState.Canceling, Verdict.Move, PayoutStatus.Canceling)]
    [InlineData(PayoutStatus.Canceling, TransferState.Cancelled, Verdict.Move, PayoutStatus.Cancelled)]
    [InlineData(PayoutStatus.Processing, TransferState.Fail, Verdict.Move, PayoutStatus.Fail)]
    [InlineData(PayoutStatus.Success, TransferState.Success, Verdict.Ignore, PayoutStatus.Success)]
    [InlineData(PayoutStatus.Success, TransferState.Processing, Verdict.Ignore, PayoutStatus.Success)]
    [InlineData(PayoutStatus.Success, TransferState.Fail, Verdict.Mismatch, PayoutStatus.Fail)]
    [InlineData(PayoutStatus.Fail, TransferState.Success, Verdict.Mismatch, PayoutStatus.Success)]
    [InlineData(PayoutStatus.Cancelled, TransferState.Success, Verdict.Mismatch, PayoutStatus.Success)]
    [InlineData(PayoutStatus.Rejected, TransferState.Success, Verdict.Mismatch, PayoutStatus.Success)]
    [InlineData(PayoutStatus.AwaitingApproval, TransferState.Success, Verdict.Mismatch, PayoutStatus.Success)]
    [InlineData(PayoutStatus.Approved, TransferState.NotFound, Verdict.Ignore, PayoutStatus.Approved)]
    [InlineData(PayoutStatus.Accepted, TransferState.NotFound, Verdict.Mismatch, PayoutStatus.Accepted)]
    [InlineData(PayoutStatus.Success, TransferState.NotFound, Verdict.Ignore, PayoutStatus.Success)]
    public void Decide_MovesForwardOnly_AndNeverLeavesAFinalState(PayoutStatus current, TransferState incoming, Verdict verdict, PayoutStatus target)
    {
        Decide(current, incoming).ShouldBe((verdict, target));
    }

    [Fact]
    public void TheBillNumber_Is32LettersAndDigits_DerivedFromThePayout()
    {
        var id = Guid.CreateVersion7();
        var bill = Payout.BillNoOf(id);
        bill.Length.ShouldBe(32);
        bill.ShouldAllBe(c => char.IsAsciiLetterOrDigit(c));
        Payout.BillNoOf(id).ShouldBe(bill);
        Payout.BillNoOf(Guid.CreateVersion7()).ShouldNotBe(bill);
    }
}
