namespace Guidelink.Core.Features.Commission;

/// <summary>The outcome of reversing one refund of one line.</summary>
/// <param name="Accepted">False when the refund is rejected (more than is left to refund, or not above 0); nothing is reversed then.</param>
/// <param name="ReversedFen">The commission to reverse for this refund.</param>
/// <param name="IsLastRefund">The line is now refunded in full, so all its commission is reversed.</param>
/// <param name="RemainingCommissionFen">The line's commission still standing after this reversal.</param>
/// <param name="Reason">Why the refund was rejected; null when accepted.</param>
public sealed record Reversal(bool Accepted, long ReversedFen, bool IsLastRefund, long RemainingCommissionFen, string? Reason);

/// <summary>One line's commission in its split parts (owner, store, region); without a split, the store and region are 0.</summary>
public sealed record SplitAmounts(long OwnerFen, long StoreFen, long RegionFen)
{
    public long TotalFen => OwnerFen + StoreFen + RegionFen;
}

/// <summary>Reversing commission on refunds (DOMAIN.md "Partial refunds"). Pure: the caller passes the line's
/// commission, its paid amount and what has already been refunded and reversed.</summary>
public static class RefundReversal
{
    /// <summary>reversal = round half up(line commission × refund ÷ line paid amount), never more than what is
    /// left; the refund that brings the refunded total to the paid amount reverses exactly what is left. So
    /// however a line's refunds are split, its commission is reversed exactly once in total.</summary>
    /// <param name="lineCommissionFen">The commission the line produced (or one split part of it), ≥ 0.</param>
    /// <param name="linePaidFen">The line's paid amount (the commission's base).</param>
    /// <param name="alreadyRefundedFen">Refunds of the line before this one.</param>
    /// <param name="alreadyReversedFen">Commission already reversed for those refunds.</param>
    /// <param name="refundFen">This refund.</param>
    /// <exception cref="ArgumentOutOfRangeException">Inconsistent history (negative amounts, more refunded than paid, more reversed than earned).</exception>
    public static Reversal Reverse(long lineCommissionFen, long linePaidFen, long alreadyRefundedFen, long alreadyReversedFen, long refundFen)
    {
        if (lineCommissionFen < 0) throw new ArgumentOutOfRangeException(nameof(lineCommissionFen), lineCommissionFen, "Commission cannot be negative.");
        if (linePaidFen < 0) throw new ArgumentOutOfRangeException(nameof(linePaidFen), linePaidFen, "The paid amount cannot be negative.");
        if (alreadyRefundedFen < 0 || alreadyRefundedFen > linePaidFen)
            throw new ArgumentOutOfRangeException(nameof(alreadyRefundedFen), alreadyRefundedFen, "Refunds so far must be between 0 and the paid amount.");
        if (alreadyReversedFen < 0 || alreadyReversedFen > lineCommissionFen)
            throw new ArgumentOutOfRangeException(nameof(alreadyReversedFen), alreadyReversedFen, "Reversals so far must be between 0 and the commission.");

        var left = lineCommissionFen - alreadyReversedFen;
        var refundable = linePaidFen - alreadyRefundedFen;
        if (refundFen <= 0)
            return new Reversal(false, 0, false, left, "A refund must be above 0.");
        if (refundFen > refundable)
            return new Reversal(false, 0, false, left, $"The refund of {new Shared.Money(refundFen)} exceeds the {new Shared.Money(refundable)} left to refund on this line.");

        // The last refund takes exactly what is left, so rounding in earlier steps never leaves a fen behind.
        var isLast = refundFen == refundable;
        var proportional = Shared.Rounding.DivideHalfUp((Int128)lineCommissionFen * refundFen, linePaidFen);
        // Earlier steps rounded up may already have taken most of it: never reverse more than is left.
        var reversed = isLast ? left : Math.Min(proportional, left);
        return new Reversal(true, reversed, isLast, left - reversed, null);
    }

    /// <summary>The same refund reversed on each split part independently (each part exactly as
    /// <see cref="Reverse"/>), so every part is reversed in full by the line's last refund and the parts
    /// still add up to the line's commission reversed.</summary>
    public static (bool Accepted, SplitAmounts Reversed, string? Reason) ReverseSplit(SplitAmounts lineCommission, long linePaidFen,
        long alreadyRefundedFen, SplitAmounts alreadyReversed, long refundFen)
    {
        ArgumentNullException.ThrowIfNull(lineCommission);
        ArgumentNullException.ThrowIfNull(alreadyReversed);
        var owner = Reverse(lineCommission.OwnerFen, linePaidFen, alreadyRefundedFen, alreadyReversed.OwnerFen, refundFen);
        var store = Reverse(lineCommission.StoreFen, linePaidFen, alreadyRefundedFen, alreadyReversed.StoreFen, refundFen);
        var region = Reverse(lineCommission.RegionFen, linePaidFen, alreadyRefundedFen, alreadyReversed.RegionFen, refundFen);
        // The acceptance depends only on the refund and the paid amount, so the three agree.
        if (!owner.Accepted) return (false, new SplitAmounts(0, 0, 0), owner.Reason);
        return (true, new SplitAmounts(owner.ReversedFen, store.ReversedFen, region.ReversedFen), null);
    }
}
