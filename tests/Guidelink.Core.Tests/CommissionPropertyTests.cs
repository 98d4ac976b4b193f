using CsCheck;
using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Features.Commission;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Tests;

/// <summary>Property tests of the commission money math: for many generated orders, rates and refund
/// sequences, the sums the partners' trust rests on hold to the fen. CsCheck prints a reproducible
/// seed for any failure.</summary>
public sealed class CommissionPropertyTests
{
    private static readonly DateTimeOffset PlacedAt = new(2026, 3, 10, 4, 0, 0, TimeSpan.Zero);

    /// <summary>The spreads cost microseconds. CsCheck's default 100 cases caught a misplaced fen in one CI run after
    /// many that passed; with 20,000 the same defect failed every run tried (3 of 3, with the fix taken out).</summary>
    private const int SpreadIterations = 20_000;

    /// <summary>Line amounts up to ¥100,000, with many small and equal ones so remainders and ties happen.</summary>
    private static readonly Gen<long[]> LineAmounts =
        Gen.OneOf(Gen.Long[0, 10_000_000], Gen.Long[0, 20], Gen.Const(100L)).Array[1, 12];

    private static readonly Gen<(long[] Lines, long Discount)> LinesAndDiscount =
        from lines in LineAmounts
        from discount in Gen.Long[0, lines.Sum()]
        select (lines, discount);

    [Fact]
    public void SpreadDiscounts_AddUpExactly_NeverExceedALine_AndStayWithinAFenOfTheExactShare()
    {
        LinesAndDiscount.Sample((lines, discount) =>
        {
            var parts = DiscountSpread.Spread(lines, discount);
            parts.Length.ShouldBe(lines.Length);
            parts.Sum().ShouldBe(discount);
            var total = lines.Sum();
            for (var i = 0; i < lines.Length; i++)
            {
                parts[i].ShouldBeInRange(0, lines[i]);
                // The exact share is lines[i] × discount ÷ total; the part is it rounded down, or up when it has a fraction,
                // so less than a fen from it: |part × total − lines[i] × discount| < total.
                if (total > 0)
                {
                    var error = (Int128)parts[i] * total - (Int128)lines[i] * discount;
                    (error > -total && error < total).ShouldBeTrue($"line {i + 1}: part {parts[i]} is a fen or more from its share");
                }
            }
        }, iter: SpreadIterations);
    }

    [Fact]
    public void SpreadDiscounts_DependOnlyOnTheAmounts_NotOnTheOrderOfLines()
    {
        var gen = from pair in LinesAndDiscount
                  from order in Gen.Shuffle(Enumerable.Range(0, pair.Lines.Length).ToArray())
                  select (pair.Lines, pair.Discount, order);
        gen.Sample((lines, discount, order) =>
        {
            var original = DiscountSpread.Spread(lines, discount);
            var shuffledLines = order.Select(i => lines[i]).ToArray();
            var shuffled = DiscountSpread.Spread(shuffledLines, discount);
            // Lines of different amounts keep their part; equal lines may swap a fen among themselves (earlier first),
            // so what must match is the set of (amount, part) pairs.
            var before = lines.Zip(original).OrderBy(p => p.First).ThenBy(p => p.Second).ToList();
            var after = shuffledLines.Zip(shuffled).OrderBy(p => p.First).ThenBy(p => p.Second).ToList();
            after.ShouldBe(before);
            for (var k = 0; k < order.Length; k++)
                if (lines.Count(a => a == lines[order[k]]) == 1) shuffled[k].ShouldBe(original[order[k]]);
        });
    }

    [Fact]
    public void FixedPerOrderCommission_SpreadOverLines_AddsUpToTheAmountWhateverItsSize()
    {
        var gen = from lines in LineAmounts.Where(l => l.Sum() > 0)
                  from amount in Gen.Long[0, 50_000_000]
                  select (lines, amount);
        gen.Sample((lines, amount) =>
        {
            var parts = DiscountSpread.SpreadInProportion(lines, amount);
            parts.Sum().ShouldBe(amount);
            parts.ShouldAllBe(p => p >= 0);
            var total = lines.Sum();
            for (var i = 0; i < lines.Length; i++)
            {
                if (lines[i] == 0) parts[i].ShouldBe(0);
                // Each part is less than a fen from its exact share line × amount ÷ total: |part × total − line × amount| < total.
                var error = (Int128)parts[i] * total - (Int128)lines[i] * amount;
                (error > -total && error < total).ShouldBeTrue($"line {i + 1}: part {parts[i]} is a fen or more from its share");
            }
        }, iter: SpreadIterations);
    }

    /// <summary>A split rule region ≥ store ≥ owner, with or without a tier the owner may reach, and a line and MTD GMV.</summary>
    private static readonly Gen<(long Paid, int Region, int Store, int Owner, int? TierRate, long MonthToDate)> SplitCase =
        from paid in Gen.OneOf(Gen.Long[0, 100_000_000], Gen.Long[0, 1_000])
        from region in Gen.Int[0, 10_000]
        from store in Gen.Int[0, region]
        from owner in Gen.Int[0, store]
        from tier in Gen.OneOf(Gen.Const((int?)null), Gen.Int[0, store].Select(t => (int?)t))
        from monthToDate in Gen.Long[0, 2_000_000]
        select (paid, region, store, owner, tier, monthToDate);

    [Fact]
    public void SplitParts_AddUpToTheTopRateRoundedOnce_NoneNegative_TheOwnerGettingTheOwnRate()
    {
        SplitCase.Sample((paid, region, store, owner, tierRate, monthToDate) =>
        {
            var rule = new CommissionRule(Guid.NewGuid(), 1, "split", new HashSet<OwnerKind>(), RuleScope.BrandDefault, 0,
                CommissionRate.Percent(owner), PlacedAt.AddDays(-1))
            {
                Split = new CommissionSplit(region, store),
                Tiers = tierRate is { } t ? [new RateTier(1_000_000, t)] : [],
            };
            rule.Validate().ShouldBeEmpty();
            var line = new CommissionLineInput("SKU", "cat", 1, paid, 0, paid);
            var order = new CommissionOrder([line], false, OwnerKind.OfficialGuide, StoreId.New(), RegionId.New(), PlacedAt, monthToDate);
            var result = CommissionCalculator.ForOrder(order, [rule]).Lines.Single();

            var ownRate = tierRate is { } reached && monthToDate >= 1_000_000 ? reached : owner;
            result.BasisPoints.ShouldBe(ownRate);
            result.TotalFen.ShouldBe(Rounding.DivideHalfUp((Int128)paid * region, 10_000));
            result.OwnerFen.ShouldBe(Rounding.DivideHalfUp((Int128)paid * ownRate, 10_000));
            (result.OwnerFen + result.StoreFen).ShouldBe(Rounding.DivideHalfUp((Int128)paid * store, 10_000));
            result.StoreFen.ShouldBeGreaterThanOrEqualTo(0);
            result.RegionFen.ShouldBeGreaterThanOrEqualTo(0);
        });
    }

    /// <summary>A line's paid amount, its commission (up to twice the paid amount: a fixed per-unit or per-order
    /// amount may exceed it) and a split of the paid amount into refunds, in order.</summary>
    private static readonly Gen<(long Paid, long Commission, long[] Refunds)> RefundCase =
        from paid in Gen.OneOf(Gen.Long[1, 10_000_000], Gen.Long[1, 30])
        from commission in Gen.Long[0, paid * 2]
        from cuts in Gen.Long[1, paid].Array[0, 10]
        select (paid, commission, PiecesOf(paid, cuts));

    /// <summary>The amounts between sorted distinct cut points in (0, paid): refunds that add up to the paid amount.</summary>
    private static long[] PiecesOf(long paid, long[] cuts)
    {
        var points = cuts.Where(c => c < paid).Distinct().Order().Append(paid).ToArray();
        var pieces = new long[points.Length];
        long previous = 0;
        for (var i = 0; i < points.Length; i++) { pieces[i] = points[i] - previous; previous = points[i]; }
        return pieces;
    }

    [Fact]
    public void AnySequenceOfPartialRefunds_ReversesExactlyTheCommission_NeverMoreAtAnyStep()
    {
        RefundCase.Sample((paid, commission, refunds) =>
        {
            refunds.Sum().ShouldBe(paid);
            long refunded = 0, reversed = 0;
            foreach (var refund in refunds)
            {
                var step = RefundReversal.Reverse(commission, paid, refunded, reversed, refund);
                step.Accepted.ShouldBeTrue();
                step.ReversedFen.ShouldBeGreaterThanOrEqualTo(0);
                refunded += refund;
                reversed += step.ReversedFen;
                reversed.ShouldBeLessThanOrEqualTo(commission);
                step.RemainingCommissionFen.ShouldBe(commission - reversed);
                step.IsLastRefund.ShouldBe(refunded == paid);
                // Before the last refund, a step never takes more than its proportional share rounded half up.
                if (refunded < paid) step.ReversedFen.ShouldBeLessThanOrEqualTo(Rounding.DivideHalfUp((Int128)commission * refund, paid));
            }
            reversed.ShouldBe(commission);
            RefundReversal.Reverse(commission, paid, refunded, reversed, 1).Accepted.ShouldBeFalse();
        });
    }

    [Fact]
    public void SplitLines_ReversedPartByPart_EndWithEveryPartReversedExactly()
    {
        var gen = from c in RefundCase
                  from store in Gen.Long[0, c.Commission]
                  from region in Gen.Long[0, c.Commission - store]
                  select (c.Paid, new SplitAmounts(c.Commission - store - region, store, region), c.Refunds);
        gen.Sample((paid, commission, refunds) =>
        {
            long refunded = 0;
            var reversed = new SplitAmounts(0, 0, 0);
            foreach (var refund in refunds)
            {
                var step = RefundReversal.ReverseSplit(commission, paid, refunded, reversed, refund);
                step.Accepted.ShouldBeTrue();
                refunded += refund;
                reversed = new SplitAmounts(reversed.OwnerFen + step.Reversed.OwnerFen, reversed.StoreFen + step.Reversed.StoreFen,
                    reversed.RegionFen + step.Reversed.RegionFen);
                reversed.OwnerFen.ShouldBeLessThanOrEqualTo(commission.OwnerFen);
                reversed.StoreFen.ShouldBeLessThanOrEqualTo(commission.StoreFen);
                reversed.RegionFen.ShouldBeLessThanOrEqualTo(commission.RegionFen);
            }
            reversed.ShouldBe(commission);
        });
    }

    // ---------- Whole orders: results do not depend on the order of lines ----------

    private static readonly StoreId Store = new(Guid.Parse("00000000-0000-0000-0000-00000000a001"));
    private static readonly RegionId Region = new(Guid.Parse("00000000-0000-0000-0000-00000000e001"));

    private static readonly CommissionRule BrandDefault = new(Guid.Parse("00000000-0000-0000-0000-000000000001"), 1, "brand 3%",
        new HashSet<OwnerKind>(), RuleScope.BrandDefault, 0, CommissionRate.Percent(300), PlacedAt.AddDays(-30));
    private static readonly CommissionRule SofaPerOrder = new(Guid.Parse("00000000-0000-0000-0000-000000000002"), 1, "sofa ¥8.88 per order",
        new HashSet<OwnerKind>(), new RuleScope(Category: "sofa"), 0, CommissionRate.PerOrder(888), PlacedAt.AddDays(-30));
    private static readonly CommissionRule SkuBPerUnit = new(Guid.Parse("00000000-0000-0000-0000-000000000003"), 1, "B ¥1.23 per unit",
        new HashSet<OwnerKind>(), new RuleScope(Sku: "B"), 0, CommissionRate.PerUnit(123), PlacedAt.AddDays(-30));
    private static readonly CommissionRule LampSplit = new(Guid.Parse("00000000-0000-0000-0000-000000000004"), 1, "lamp 7% split",
        new HashSet<OwnerKind>(), new RuleScope(Category: "lamp", StoreId: Store), 0, CommissionRate.Percent(400), PlacedAt.AddDays(-30))
    {
        Split = new CommissionSplit(700, 550),
    };
    private static readonly CommissionRule[] Rules = [BrandDefault, SofaPerOrder, SkuBPerUnit, LampSplit];

    private static readonly Gen<CommissionLineInput> AnyLine =
        from sku in Gen.OneOfConst("A", "B", "C")
        from category in Gen.OneOfConst("sofa", "lamp", "bed")
        from qty in Gen.Int[1, 5]
        from paid in Gen.OneOf(Gen.Long[0, 1_000_000], Gen.Long[0, 50])
        select new CommissionLineInput(sku, category, qty, paid + 100, 0, paid);

    [Fact]
    public void OrderResults_DoNotDependOnTheOrderOfLines_AndEachRuleKindPaysWhatItSays()
    {
        var gen = from lines in AnyLine.Array[1, 8]
                  from order in Gen.Shuffle(Enumerable.Range(0, lines.Length).ToArray())
                  select (lines, order);
        gen.Sample((lines, order) =>
        {
            var original = CommissionCalculator.ForOrder(new CommissionOrder(lines, false, OwnerKind.PartTimeGuide, Store, Region, PlacedAt, 0), Rules);
            var shuffledLines = order.Select(i => lines[i]).ToArray();
            var shuffled = CommissionCalculator.ForOrder(new CommissionOrder(shuffledLines, false, OwnerKind.PartTimeGuide, Store, Region, PlacedAt, 0), Rules);

            // The sums never depend on the order of lines, for every earner.
            (shuffled.OwnerFen, shuffled.StoreFen, shuffled.RegionFen).ShouldBe((original.OwnerFen, original.StoreFen, original.RegionFen));

            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i];
                var result = original.Lines[i];
                var moved = shuffled.Lines[Array.IndexOf(order, i)];
                moved.RuleId.ShouldBe(result.RuleId);
                // Independent of the order: every line not under a per-order rule is computed from itself alone.
                if (result.RateKind != RateKind.FixedPerOrder) (moved.OwnerFen, moved.StoreFen, moved.RegionFen).ShouldBe((result.OwnerFen, result.StoreFen, result.RegionFen));

                // Each rule pays what it says: percent on the paid amount, per unit × qty, the split's top rate rounded once.
                if (line.Sku == "B") result.OwnerFen.ShouldBe(123L * line.Quantity);
                else if (line.Category == "lamp") result.TotalFen.ShouldBe(Rounding.DivideHalfUp((Int128)line.PaidFen * 700, 10_000));
                else if (line.Category == "bed") result.OwnerFen.ShouldBe(Rounding.DivideHalfUp((Int128)line.PaidFen * 300, 10_000));
            }

            // The per-order amount is paid once per order (when its lines paid anything), however many lines it covers.
            var sofaLines = Enumerable.Range(0, lines.Length).Where(i => lines[i].Sku != "B" && lines[i].Category == "sofa").ToList();
            var expectedSofa = sofaLines.Sum(i => lines[i].PaidFen) > 0 ? 888 : 0;
            sofaLines.Sum(i => original.Lines[i].OwnerFen).ShouldBe(expectedSofa);
            original.Lines.Where(l => l.RuleId == SofaPerOrder.Id).Sum(l => l.OwnerFen).ShouldBe(expectedSofa);
        });
    }
}
