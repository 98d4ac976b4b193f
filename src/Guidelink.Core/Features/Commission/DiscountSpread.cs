namespace Guidelink.Core.Features.Commission;

/// <summary>Spreads one order-level amount over the order's lines in proportion to their amounts
/// (DOMAIN.md "Discounts"): an order discount or coupon, and a fixed per-order commission, so that
/// each line carries its own share and a refund of one line can reverse exactly that share.</summary>
/// <remarks>Each line first gets its share rounded down; the fen left over go one each to the largest
/// lines whose share had a fraction, the earlier line first among equal amounts. So the parts
/// always add up exactly to the amount spread, and the result depends only on the amounts, not on how
/// lines of different amounts are ordered.</remarks>
public static class DiscountSpread
{
    /// <summary>An order discount spread over the lines. A part never exceeds its line, so a line's paid
    /// amount (line amount − part) is never negative.</summary>
    /// <param name="lineAmountsFen">Each line's amount before the order discount (after its own line discount), ≥ 0.</param>
    /// <param name="discountFen">The order discount, between 0 and the sum of the lines.</param>
    /// <returns>One part per line, in the lines' order, adding up to <paramref name="discountFen"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A negative line, a negative discount, or a discount larger than the order.</exception>
    public static long[] Spread(IReadOnlyList<long> lineAmountsFen, long discountFen)
    {
        ArgumentNullException.ThrowIfNull(lineAmountsFen);
        var total = SumOf(lineAmountsFen);
        if (discountFen < 0 || discountFen > total)
            throw new ArgumentOutOfRangeException(nameof(discountFen), discountFen, $"An order discount must be between 0 and the order's {total} fen.");
        return SpreadInProportion(lineAmountsFen, discountFen);
    }

    /// <summary>Any amount spread over the lines in proportion to their amounts, with no cap: a fixed
    /// per-order commission of ¥50 on a ¥30 order is spread in full. Same remainder rule as
    /// <see cref="Spread"/>; when the lines add up to 0 there is nothing to weigh by, so only 0 can be spread.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative line or amount, or an amount above 0 over lines that add up to 0.</exception>
    public static long[] SpreadInProportion(IReadOnlyList<long> lineAmountsFen, long amountFen)
    {
        ArgumentNullException.ThrowIfNull(lineAmountsFen);
        var total = SumOf(lineAmountsFen);
        if (amountFen < 0) throw new ArgumentOutOfRangeException(nameof(amountFen), amountFen, "The amount to spread cannot be negative.");
        var parts = new long[lineAmountsFen.Count];
        if (amountFen == 0) return parts;
        if (total == 0) throw new ArgumentOutOfRangeException(nameof(amountFen), amountFen, "Cannot spread an amount over lines that add up to 0.");

        // Rounded down first: the parts then add up to at most the amount, never more.
        long given = 0;
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = (long)((Int128)lineAmountsFen[i] * amountFen / total);
            given += parts[i];
        }

        // The fen left over are fewer than the lines whose share had a fraction (the fractions add up to them and
        // each is below one), so only those lines take one: a line whose share was exact keeps it exactly. Such a
        // line has an amount above 0 and, when amount < total, a part below it, so no part exceeds its line.
        var leftOver = amountFen - given;
        var largestFirst = Enumerable.Range(0, parts.Length)
            .Where(i => (Int128)lineAmountsFen[i] * amountFen % total != 0)
            .OrderByDescending(i => lineAmountsFen[i])
            .ThenBy(i => i);
        foreach (var i in largestFirst.Take((int)leftOver)) parts[i] += 1;
        return parts;
    }

    private static long SumOf(IReadOnlyList<long> lineAmountsFen)
    {
        long total = 0;
        for (var i = 0; i < lineAmountsFen.Count; i++)
        {
            if (lineAmountsFen[i] < 0)
                throw new ArgumentOutOfRangeException(nameof(lineAmountsFen), lineAmountsFen[i], $"Line {i + 1} has a negative amount.");
            total = checked(total + lineAmountsFen[i]);
        }
        return total;
    }
}
