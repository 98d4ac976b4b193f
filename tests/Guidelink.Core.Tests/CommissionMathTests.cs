using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Features.Commission;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Tests;

/// <summary>Example tests of the commission money math, one or more per DOMAIN.md rule, and the regressions
/// seen in mall "brokerage" modules. Every expected amount is worked out by hand in the comment beside it.</summary>
public sealed class CommissionMathTests
{
    private static readonly DateTimeOffset PlacedAt = new(2026, 3, 10, 4, 0, 0, TimeSpan.Zero);
    private static readonly StoreId StoreA = new(Guid.Parse("00000000-0000-0000-0000-00000000a001"));
    private static readonly StoreId StoreB = new(Guid.Parse("00000000-0000-0000-0000-00000000a002"));
    private static readonly RegionId RegionEast = new(Guid.Parse("00000000-0000-0000-0000-00000000e001"));

    private static CommissionRule Rule(CommissionRate rate, RuleScope? scope = null, int priority = 0, int version = 1, Guid? id = null,
        string name = "rule", IReadOnlySet<OwnerKind>? appliesTo = null, DateTimeOffset? from = null, DateTimeOffset? to = null) =>
        new(id ?? Guid.NewGuid(), version, name, appliesTo ?? new HashSet<OwnerKind>(), scope ?? RuleScope.BrandDefault, priority, rate,
            from ?? PlacedAt.AddDays(-30), to);

    private static CommissionLineInput Line(long paidFen, int qty = 1, string sku = "SOFA-01", string category = "sofa", long? unitPriceFen = null) =>
        new(sku, category, qty, unitPriceFen ?? Rounding.DivideHalfUp(paidFen, qty) + 1_000, 0, paidFen);

    private static CommissionOrder Order(IReadOnlyList<CommissionLineInput> lines, OwnerKind? owner = OwnerKind.PartTimeGuide, bool promotion = false,
        long monthToDateGmvFen = 0, StoreId? store = null, RegionId? region = null) =>
        new(lines, promotion, owner, store ?? StoreA, region ?? RegionEast, PlacedAt, monthToDateGmvFen);

    private static LineCommission OneLine(CommissionLineInput line, params CommissionRule[] rules) =>
        CommissionCalculator.ForOrder(Order([line]), rules).Lines.Single();

    // ---------- Discounts: spread over lines in proportion, remainder to the largest lines with a fraction ----------

    [Fact]
    public void Spread_IsProportional_AndTheLeftOverFenGoesToTheLargestLineWithAFraction()
    {
        // 100 fen over 300/200/100 (total 600): 50, 33.33, 16.67 → rounded down 50, 33, 16 = 99; 1 fen left. The 300 line's
        // 50 is exact, so it goes to the largest line with a fraction: the 200 line.
        DiscountSpread.Spread([300, 200, 100], 100).ShouldBe([50, 34, 16]);
        // Order of lines does not change who gets the fen: it follows the amounts.
        DiscountSpread.Spread([100, 200, 300], 100).ShouldBe([16, 34, 50]);
        // When every line has a fraction, the largest takes it: 100 over 400/200 is 66.67 and 33.33 → 66 + 33, 1 left → 400.
        DiscountSpread.Spread([400, 200], 100).ShouldBe([67, 33]);
    }

    [Fact]
    public void Spread_AmongEqualLines_TheEarlierLineGetsTheLeftOverFirst()
    {
        // 100 fen over three lines of 100: 33.33 each → 33 × 3 = 99; 1 fen left → the first line.
        DiscountSpread.Spread([100, 100, 100], 100).ShouldBe([34, 33, 33]);
        // Two fen left (200 over 3 × 100 → 66 each, 198): first and second lines.
        DiscountSpread.Spread([100, 100, 100], 200).ShouldBe([67, 67, 66]);
    }

    [Fact]
    public void Spread_ALineWhoseShareIsExact_KeepsIt_TheLeftOverGoesToLinesWithAFraction()
    {
        // Found by the property test (CsCheck seed 6T1Sfaig36c1): 288 over 19/100/100/100/1 (total 320) is 17.1, 90, 90, 90, 0.9.
        // Rounded down that is 287; the 1 fen left must not make a 100 line 91 (a fen above its exact 90): of the lines
        // with a fraction (19 and 1), the larger takes it.
        DiscountSpread.Spread([19, 100, 100, 100, 1], 288).ShouldBe([18, 90, 90, 90, 0]);
    }

    [Fact]
    public void Spread_NeverGivesALineMoreThanItsAmount_AndRejectsADiscountLargerThanTheOrder()
    {
        // 1000 over 1 + 1000 (1001): 0.999 → 0 and 999.0 → 999; the 1 fen left goes to the largest line: 1000, its whole amount.
        DiscountSpread.Spread([1, 1_000], 1_000).ShouldBe([0, 1_000]);
        DiscountSpread.Spread([500, 0, 250], 750).ShouldBe([500, 0, 250]); // the whole order: each line exactly its amount
        DiscountSpread.Spread([0, 0], 0).ShouldBe([0, 0]);
        Should.Throw<ArgumentOutOfRangeException>(() => DiscountSpread.Spread([100, 200], 301));
        Should.Throw<ArgumentOutOfRangeException>(() => DiscountSpread.Spread([100, -1], 10));
        Should.Throw<ArgumentOutOfRangeException>(() => DiscountSpread.Spread([100], -1));
    }

    [Fact]
    public void SpreadInProportion_SpreadsAFixedCommissionLargerThanTheOrder_InFull()
    {
        // ¥50 per order over paid 2000/1000 fen: 3333.33 and 1666.67 → 3333 + 1666 = 4999; 1 fen → the larger line.
        DiscountSpread.SpreadInProportion([2_000, 1_000], 5_000).ShouldBe([3_334, 1_666]);
        Should.Throw<ArgumentOutOfRangeException>(() => DiscountSpread.SpreadInProportion([0, 0], 1));
    }

    // ---------- Base and rounding: paid amount of the line, once per line, half up ----------

    [Fact]
    public void Percent_IsOnTheLinesPaidAmount_AfterLineAndOrderDiscounts()
    {
        // Unit ¥100 × 1, line discount ¥10, its share of the order coupon ¥5: paid ¥85.00; 5% = ¥4.25.
        var line = new CommissionLineInput("SOFA-01", "sofa", 1, 10_000, 1_000, 8_500);
        var result = OneLine(line, Rule(CommissionRate.Percent(500)));
        result.BaseFen.ShouldBe(8_500);
        result.OwnerFen.ShouldBe(425);
    }

    [Fact]
    public void Percent_RoundsHalfUp_OncePerLine()
    {
        OneLine(Line(10), Rule(CommissionRate.Percent(500))).OwnerFen.ShouldBe(1);  // 10 × 5% = 0.5 → 1 (half up)
        OneLine(Line(30), Rule(CommissionRate.Percent(500))).OwnerFen.ShouldBe(2);  // 1.5 → 2
        OneLine(Line(50), Rule(CommissionRate.Percent(500))).OwnerFen.ShouldBe(3);  // 2.5 → 3 (banker's would say 2)
    }

    [Fact]
    public void Regression_QuantityAboveOne_NeverDoublesAPercentCommission()
    {
        // 3 units at ¥33.33 = ¥99.99 paid; 5% of the line = 499.95 → ¥5.00, rounded once.
        // Per unit it would be 3 × round(166.65) = 501; "line × qty" (a brokerage bug) would be 1500.
        var result = OneLine(Line(9_999, qty: 3, unitPriceFen: 3_333), Rule(CommissionRate.Percent(500)));
        result.OwnerFen.ShouldBe(500);
        result.BasisPoints.ShouldBe(500);
    }

    [Fact]
    public void Regression_FixedPerUnit_IsMultipliedByQuantityOnce_AndReplacesThePercent()
    {
        // ¥5.00 per unit × 3 units = ¥15.00 — not ¥45.00 (qty applied twice), and no percent added on top.
        var result = OneLine(Line(9_999, qty: 3, unitPriceFen: 3_333), Rule(CommissionRate.PerUnit(500)));
        result.OwnerFen.ShouldBe(1_500);
        result.RateKind.ShouldBe(RateKind.FixedPerUnit);
        result.FixedFen.ShouldBe(500);
        result.BasisPoints.ShouldBeNull();
    }

    [Fact]
    public void AFixedAmountOfZero_PaysZero_UnderItsRule_WhileNoRuleMeansNoCommission()
    {
        var zero = Rule(CommissionRate.PerUnit(0), name: "display items");
        var paysZero = OneLine(Line(10_000), zero);
        paysZero.Outcome.ShouldBe(CommissionOutcome.Pays);
        paysZero.OwnerFen.ShouldBe(0);
        paysZero.RuleId.ShouldBe(zero.Id);

        var none = OneLine(Line(10_000));
        none.Outcome.ShouldBe(CommissionOutcome.NoRule);
        none.RuleId.ShouldBeNull();
    }

    [Fact]
    public void Regression_AFixedPerOrderAmount_IsNotMultipliedByLines_ButSpreadOverThem()
    {
        // ¥10.00 per order over three lines paid 60/30/10 → ¥6, ¥3, ¥1: ¥10 in all, not ¥30.
        var rule = Rule(CommissionRate.PerOrder(1_000));
        var result = CommissionCalculator.ForOrder(Order([Line(6_000), Line(3_000, sku: "CHAIR"), Line(1_000, sku: "LAMP")]), [rule]);
        result.Lines.Select(l => l.OwnerFen).ShouldBe([600, 300, 100]);
        result.OwnerFen.ShouldBe(1_000);
        result.Lines.ShouldAllBe(l => l.FixedFen == 1_000 && l.RuleId == rule.Id);
    }

    [Fact]
    public void AFixedPerOrderAmount_IsSpreadOnlyOverTheLinesItsRuleCovers()
    {
        // Sofas: ¥20 per order (category rule); everything else 10% (brand default). Two sofa lines paid 300/100 share the ¥20:
        // 1500 and 500; the lamp line paid ¥50 earns 10% = ¥5.
        var sofas = Rule(CommissionRate.PerOrder(2_000), new RuleScope(Category: "sofa"));
        var others = Rule(CommissionRate.Percent(1_000));
        var result = CommissionCalculator.ForOrder(Order([Line(30_000), Line(5_000, sku: "LAMP", category: "lamp"), Line(10_000, sku: "SOFA-02")]), [sofas, others]);
        result.Lines.Select(l => l.OwnerFen).ShouldBe([1_500, 500, 500]);
        result.Lines.Select(l => l.RuleId).ShouldBe([sofas.Id, others.Id, sofas.Id]);
    }

    [Fact]
    public void AFixedPerOrderAmount_OverLinesThatPaidNothing_PaysNothing()
    {
        var result = CommissionCalculator.ForOrder(Order([Line(0), Line(0, sku: "X")]), [Rule(CommissionRate.PerOrder(1_000))]);
        result.OwnerFen.ShouldBe(0);
    }

    // ---------- Which rule: kind first, then scope specificity, then priority ----------

    [Fact]
    public void Regression_TheMostSpecificScopeWins_SkuThenCategoryThenStoreThenRegionThenBrand()
    {
        // Less specific rules get the higher priorities, to show priority never beats specificity.
        var sku = Rule(CommissionRate.Percent(500), new RuleScope(Sku: "SOFA-01"), priority: 0, name: "sku");
        var category = Rule(CommissionRate.Percent(400), new RuleScope(Category: "sofa"), priority: 10, name: "category");
        var store = Rule(CommissionRate.Percent(300), new RuleScope(StoreId: StoreA), priority: 20, name: "store");
        var region = Rule(CommissionRate.Percent(200), new RuleScope(RegionId: RegionEast), priority: 30, name: "region");
        var brand = Rule(CommissionRate.Percent(100), priority: 40, name: "brand");
        var rules = new List<CommissionRule> { brand, region, store, category, sku };

        // Paid ¥100: the winner's rate shows in the amount (5%, 4%, 3%, 2%, 1%).
        foreach (var (winner, expectedFen) in new[] { (sku, 500L), (category, 400L), (store, 300L), (region, 200L), (brand, 100L) })
        {
            var result = OneLine(Line(10_000), [.. rules]);
            result.RuleId.ShouldBe(winner.Id, $"expected the {winner.Name} rule to win");
            result.OwnerFen.ShouldBe(expectedFen);
            rules.Remove(winner);
        }
    }

    [Fact]
    public void Scope_EveryFieldItSetsMustMatch()
    {
        var sofasInStoreB = Rule(CommissionRate.Percent(900), new RuleScope(Category: "sofa", StoreId: StoreB));
        var brand = Rule(CommissionRate.Percent(100));
        var inA = CommissionCalculator.ForOrder(Order([Line(10_000)], store: StoreA), [sofasInStoreB, brand]).Lines.Single();
        inA.RuleId.ShouldBe(brand.Id);
        var inB = CommissionCalculator.ForOrder(Order([Line(10_000)], store: StoreB), [sofasInStoreB, brand]).Lines.Single();
        inB.RuleId.ShouldBe(sofasInStoreB.Id);
        inB.OwnerFen.ShouldBe(900);
    }

    [Fact]
    public void WithinOneScope_HigherPriorityWins_ThenHigherVersion_ThenTheSmallerId_WhateverTheOrderOfRules()
    {
        var low = Rule(CommissionRate.Percent(100), new RuleScope(Category: "sofa"), priority: 1);
        var high = Rule(CommissionRate.Percent(200), new RuleScope(Category: "sofa"), priority: 5);
        OneLine(Line(10_000), low, high).RuleId.ShouldBe(high.Id);
        OneLine(Line(10_000), high, low).RuleId.ShouldBe(high.Id);

        var id = Guid.NewGuid();
        var v1 = Rule(CommissionRate.Percent(100), priority: 5, version: 1, id: id);
        var v2 = Rule(CommissionRate.Percent(200), priority: 5, version: 2, id: id);
        OneLine(Line(10_000), v2, v1).RuleVersion.ShouldBe(2);
        OneLine(Line(10_000), v1, v2).RuleVersion.ShouldBe(2);

        var smaller = Rule(CommissionRate.Percent(100), id: Guid.Parse("10000000-0000-0000-0000-000000000000"));
        var larger = Rule(CommissionRate.Percent(200), id: Guid.Parse("20000000-0000-0000-0000-000000000000"));
        OneLine(Line(10_000), larger, smaller).RuleId.ShouldBe(smaller.Id);
        OneLine(Line(10_000), smaller, larger).RuleId.ShouldBe(smaller.Id);
    }

    [Fact]
    public void OwnerKindFiltersFirst_ASpecificRuleForAnotherKindDoesNotApply()
    {
        var partTimeOnly = Rule(CommissionRate.Percent(800), new RuleScope(Sku: "SOFA-01"), appliesTo: new HashSet<OwnerKind> { OwnerKind.PartTimeGuide });
        var everyone = Rule(CommissionRate.Percent(100));
        CommissionCalculator.ForOrder(Order([Line(10_000)], owner: OwnerKind.PartTimeGuide), [partTimeOnly, everyone]).Lines.Single().OwnerFen.ShouldBe(800);
        CommissionCalculator.ForOrder(Order([Line(10_000)], owner: OwnerKind.OfficialGuide), [partTimeOnly, everyone]).Lines.Single().OwnerFen.ShouldBe(100);
    }

    [Fact]
    public void ARuleIsInForce_FromItsStart_UntilNotAtItsEnd()
    {
        var ended = Rule(CommissionRate.Percent(900), new RuleScope(Sku: "SOFA-01"), from: PlacedAt.AddDays(-1), to: PlacedAt);
        var starts = Rule(CommissionRate.Percent(700), new RuleScope(Category: "sofa"), from: PlacedAt);
        var later = Rule(CommissionRate.Percent(600), new RuleScope(StoreId: StoreA), from: PlacedAt.AddTicks(1));
        var result = OneLine(Line(10_000), ended, starts, later);
        result.RuleId.ShouldBe(starts.Id);
        result.OwnerFen.ShouldBe(700);
    }

    [Fact]
    public void AnExcludedCategory_PaysNothing_WithTheReason_EvenIfALessSpecificRuleWouldPay()
    {
        var store = Rule(CommissionRate.Percent(800), new RuleScope(StoreId: StoreA), name: "Store A") with { ExcludedCategories = new HashSet<string> { "clearance" } };
        var brand = Rule(CommissionRate.Percent(100));
        var result = OneLine(Line(10_000, category: "clearance"), store, brand);
        result.Outcome.ShouldBe(CommissionOutcome.ExcludedCategory);
        result.RuleId.ShouldBe(store.Id);
        result.TotalFen.ShouldBe(0);
        result.ExplanationEn.ShouldBe("Line 1 (SOFA-01 × 1): no commission — rule \"Store A\" v1 excludes category \"clearance\".");
        result.ExplanationZh.ShouldBe("第1行（SOFA-01 × 1）：不计佣金——规则「Store A」第1版不含品类「clearance」。");
    }

    [Fact]
    public void APromotionOrder_PaysNothing_UnderARuleThatExcludesPromotions()
    {
        var rule = Rule(CommissionRate.Percent(500)) with { ExcludePromotionOrders = true };
        var promo = CommissionCalculator.ForOrder(Order([Line(10_000)], promotion: true), [rule]).Lines.Single();
        promo.Outcome.ShouldBe(CommissionOutcome.ExcludedPromotion);
        promo.OwnerFen.ShouldBe(0);
        CommissionCalculator.ForOrder(Order([Line(10_000)], promotion: false), [rule]).Lines.Single().OwnerFen.ShouldBe(500);
    }

    [Fact]
    public void NoOwnerAtOrderTime_NoCommission()
    {
        var result = CommissionCalculator.ForOrder(Order([Line(10_000), Line(5_000, sku: "X")], owner: null), [Rule(CommissionRate.Percent(500))]);
        result.Lines.ShouldAllBe(l => l.Outcome == CommissionOutcome.NoOwner && l.TotalFen == 0);
    }

    // ---------- Split: region → store → owner, parts add up to the top rate rounded once ----------

    [Fact]
    public void Split_EachLevelEarnsItsRoundedCumulativeMinusTheNextLevels_AndThePartsAddUpToTheTopRate()
    {
        // Paid ¥123.45; region 10%, store 6%, owner 3%.
        // Cumulative: region 1234.5 → 1235; store 740.7 → 741; owner 370.35 → 370.
        // Parts: owner 370, store 741 − 370 = 371, region 1235 − 741 = 494; together 1235 = 10% rounded once.
        // (Rounding each part's own rate — 3% = 370.35 → 370, 4% = 493.8 → 494 — would make 1234: a fen lost.)
        var rule = Rule(CommissionRate.Percent(300), name: "Split") with { Split = new CommissionSplit(1_000, 600) };
        var result = OneLine(Line(12_345), rule);
        (result.OwnerFen, result.StoreFen, result.RegionFen).ShouldBe((370L, 371L, 494L));
        result.TotalFen.ShouldBe(1_235);
        result.ExplanationEn.ShouldBe("Line 1 (SOFA-01 × 1): paid ¥123.45 × 10.00% = ¥12.35, rule \"Split\" v1 (brand default); "
            + "split: owner 3.00% = ¥3.70, store 3.00% = ¥3.71, region 4.00% = ¥4.94.");
        result.ExplanationZh.ShouldBe("第1行（SOFA-01 × 1）：实付 ¥123.45 × 10.00% = ¥12.35，规则「Split」第1版（品牌默认规则）；"
            + "分润：本人 3.00% = ¥3.70，门店 3.00% = ¥3.71，区域 4.00% = ¥4.94。");
    }

    [Fact]
    public void Split_AChildMayEqualItsParent_NeverExceedIt()
    {
        var equal = Rule(CommissionRate.Percent(500)) with { Split = new CommissionSplit(500, 500) };
        equal.Validate().ShouldBeEmpty();
        var result = OneLine(Line(10_000), equal);
        (result.OwnerFen, result.StoreFen, result.RegionFen).ShouldBe((500L, 0L, 0L));

        (Rule(CommissionRate.Percent(600)) with { Split = new CommissionSplit(1_000, 500) }).Validate().ShouldContain("The owner's rate cannot exceed the store's.");
        (Rule(CommissionRate.Percent(300)) with { Split = new CommissionSplit(400, 500) }).Validate().ShouldContain("The store's rate cannot exceed the region's.");
        (Rule(CommissionRate.PerUnit(300)) with { Split = new CommissionSplit(400, 300) }).Validate().ShouldContain("A split needs a basis-point rate.");
    }

    [Fact]
    public void AnInvalidRule_IsRefused_NotGuessed()
    {
        var twoRates = Rule(new CommissionRate(BasisPoints: 500, FixedFenPerUnit: 100));
        twoRates.Validate().ShouldContain("Set exactly one of: basis points, fixed fen per unit, fixed fen per order.");
        Should.Throw<InvalidOperationException>(() => OneLine(Line(10_000), twoRates));
        Rule(new CommissionRate()).Validate().ShouldNotBeEmpty();
    }

    // ---------- Tiers: from month-to-date GMV before the order; owner's rate only ----------

    private static CommissionRule Tiered() => Rule(CommissionRate.Percent(500)) with
    {
        Tiers = [new RateTier(1_000_000, 600), new RateTier(5_000_000, 800)], // from ¥10,000: 6%; from ¥50,000: 8%
    };

    [Theory]
    [InlineData(0, 500)]
    [InlineData(999_999, 500)]      // one fen short of ¥10,000: still the base 5%
    [InlineData(1_000_000, 600)]    // reached exactly: 6%
    [InlineData(4_999_999, 600)]
    [InlineData(5_000_000, 800)]
    [InlineData(-20_000, 500)]      // refunds of earlier months can make it negative: base rate
    public void Regression_TheTierComesFromMonthToDateGmvBeforeTheOrder(long monthToDateGmvFen, int expectedBasisPoints)
    {
        // Paid ¥200: the rate shows in the amount (¥200 × bp ÷ 10,000).
        var result = CommissionCalculator.ForOrder(Order([Line(20_000)], monthToDateGmvFen: monthToDateGmvFen), [Tiered()]).Lines.Single();
        result.BasisPoints.ShouldBe(expectedBasisPoints);
        result.OwnerFen.ShouldBe(20_000L * expectedBasisPoints / 10_000);
        result.Tier?.BasisPoints.ShouldBe(expectedBasisPoints);
        (result.Tier is null).ShouldBe(expectedBasisPoints == 500);
    }

    [Fact]
    public void Regression_ThisOrdersOwnAmount_DoesNotLiftItIntoATier()
    {
        // ¥9,900 before the order; the order itself is ¥200 (which would reach ¥10,000): still 5%, ¥10.00.
        var result = CommissionCalculator.ForOrder(Order([Line(20_000)], monthToDateGmvFen: 990_000), [Tiered()]).Lines.Single();
        result.BasisPoints.ShouldBe(500);
        result.OwnerFen.ShouldBe(1_000);
        result.ExplanationEn.ShouldBe("Line 1 (SOFA-01 × 1): paid ¥200.00 × 5.00% = ¥10.00, rule \"rule\" v1 (brand default).");
    }

    [Fact]
    public void InASplit_TiersRaiseTheOwnersRateOnly_TheTopRateStays()
    {
        // Paid ¥1,000; region 10%, store 8%; owner 5%, or 6% from ¥10,000 MTD.
        var rule = Tiered() with { Split = new CommissionSplit(1_000, 800) };
        var below = CommissionCalculator.ForOrder(Order([Line(100_000)], monthToDateGmvFen: 0), [rule]).Lines.Single();
        (below.OwnerFen, below.StoreFen, below.RegionFen).ShouldBe((5_000L, 3_000L, 2_000L));
        var tier = CommissionCalculator.ForOrder(Order([Line(100_000)], monthToDateGmvFen: 1_000_000), [rule]).Lines.Single();
        (tier.OwnerFen, tier.StoreFen, tier.RegionFen).ShouldBe((6_000L, 2_000L, 2_000L));
        tier.TotalFen.ShouldBe(below.TotalFen);
        // A tier may reach the store's rate, never exceed it: 9% over the store's 8% is refused.
        (rule with { Tiers = [new RateTier(1, 900)] }).Validate().ShouldNotBeEmpty();
    }

    [Fact]
    public void Explanations_NameTheRuleTheRateAndTheAmount()
    {
        var perUnit = OneLine(Line(9_999, qty: 3, unitPriceFen: 3_333), Rule(CommissionRate.PerUnit(500), new RuleScope(Sku: "SOFA-01"), name: "Sofa push"));
        perUnit.ExplanationEn.ShouldBe("Line 1 (SOFA-01 × 3): ¥5.00 per unit × 3 = ¥15.00, rule \"Sofa push\" v1 (SKU rule).");
        perUnit.ExplanationZh.ShouldBe("第1行（SOFA-01 × 3）：每件 ¥5.00 × 3 件 = ¥15.00，规则「Sofa push」第1版（单品规则）。");

        var tier = CommissionCalculator.ForOrder(Order([Line(20_000)], monthToDateGmvFen: 1_234_500), [Tiered()]).Lines.Single();
        tier.ExplanationEn.ShouldBe("Line 1 (SOFA-01 × 1): paid ¥200.00 × 6.00% (tier reached: ¥10,000.00 month-to-date; ¥12,345.00 before this order) = ¥12.00, rule \"rule\" v1 (brand default).");
        tier.ExplanationZh.ShouldBe("第1行（SOFA-01 × 1）：实付 ¥200.00 × 6.00%（本月此前业绩 ¥12,345.00，达到 ¥10,000.00 档） = ¥12.00，规则「rule」第1版（品牌默认规则）。");

        CommissionCalculator.Percent(525).ShouldBe("5.25%");
        CommissionCalculator.Percent(5).ShouldBe("0.05%");
    }

    [Fact]
    public void ImpossibleLines_AreRejected()
    {
        Should.Throw<ArgumentException>(() => OneLine(new CommissionLineInput("A", "c", 0, 100, 0, 100), Rule(CommissionRate.Percent(1))));
        Should.Throw<ArgumentException>(() => OneLine(new CommissionLineInput("A", "c", 1, 100, 0, 101), Rule(CommissionRate.Percent(1))));
        Should.Throw<ArgumentException>(() => OneLine(new CommissionLineInput("A", "c", 2, 100, 50, 151), Rule(CommissionRate.Percent(1))));
    }

    // ---------- New-customer bounty ----------

    private static readonly Owner Partner = new(OwnerKind.PartTimeGuide, Guid.Parse("00000000-0000-0000-0000-0000000000b1"));
    private static readonly Owner Guide = new(OwnerKind.OfficialGuide, Guid.Parse("00000000-0000-0000-0000-0000000000b2"));

    [Fact]
    public void Bounty_IsPaidToTheCreditedOwner_OnlyOnTheFirstPaidOrder_AndOnlyIfTheyWereTheFirstTouch()
    {
        var paid = NewCustomerBounty.Decide(new BountyRequest(true, Partner, Partner, 2_000, null, 0));
        (paid.Reason, paid.Earner, paid.AmountFen).ShouldBe((BountyReason.Paid, (Owner?)Partner, 2_000L));

        NewCustomerBounty.Decide(new BountyRequest(false, Partner, Partner, 2_000, null, 0)).Reason.ShouldBe(BountyReason.NotFirstPaidOrder);
        NewCustomerBounty.Decide(new BountyRequest(true, null, Partner, 2_000, null, 0)).Reason.ShouldBe(BountyReason.NoOwner);
        var notFirst = NewCustomerBounty.Decide(new BountyRequest(true, Partner, Guide, 2_000, null, 0));
        (notFirst.Reason, notFirst.AmountFen, notFirst.Earner).ShouldBe((BountyReason.NotFirstTouch, 0L, (Owner?)null));
        NewCustomerBounty.Decide(new BountyRequest(true, Partner, null, 2_000, null, 0)).Reason.ShouldBe(BountyReason.NotFirstTouch);
    }

    [Fact]
    public void Bounty_OverTheDailyCap_IsNotPaidAtAll_ReachingItExactlyIsPaid()
    {
        // Cap ¥50 a day; ¥20 bounties. ¥30 already today: +¥20 = ¥50, exactly the cap → paid.
        NewCustomerBounty.Decide(new BountyRequest(true, Partner, Partner, 2_000, 5_000, 3_000)).AmountFen.ShouldBe(2_000);
        // ¥40 already: +¥20 = ¥60 > ¥50 → nothing (not the ¥10 that would fit).
        var capped = NewCustomerBounty.Decide(new BountyRequest(true, Partner, Partner, 2_000, 5_000, 4_000));
        (capped.Reason, capped.AmountFen, capped.Pays).ShouldBe((BountyReason.DailyCapReached, 0L, false));
        capped.ExplanationEn.ShouldBe("No new-customer bounty: ¥40.00 already granted today; ¥20.00 more would exceed the daily cap of ¥50.00 (no partial bounty).");
    }

    [Fact]
    public void BrandCalendar_DaysAndMonthsAreInTheBrandsTimeZone()
    {
        var shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        // 16:30 UTC on 1 March is 00:30 on 2 March in Shanghai (UTC+8).
        BrandCalendar.DayOf(new DateTimeOffset(2026, 3, 1, 16, 30, 0, TimeSpan.Zero), shanghai).ShouldBe(new DateOnly(2026, 3, 2));
        var day = BrandCalendar.DayWindow(new DateTimeOffset(2026, 3, 1, 16, 30, 0, TimeSpan.Zero), shanghai);
        day.Start.ShouldBe(new DateTimeOffset(2026, 3, 1, 16, 0, 0, TimeSpan.Zero));
        day.End.ShouldBe(new DateTimeOffset(2026, 3, 2, 16, 0, 0, TimeSpan.Zero));
        // 17:00 UTC on 28 February is 01:00 on 1 March in Shanghai: the March tier month, which began at 16:00 UTC.
        var month = BrandCalendar.MonthWindow(new DateTimeOffset(2026, 2, 28, 17, 0, 0, TimeSpan.Zero), shanghai);
        month.Start.ShouldBe(new DateTimeOffset(2026, 2, 28, 16, 0, 0, TimeSpan.Zero));
        month.End.ShouldBe(new DateTimeOffset(2026, 3, 31, 16, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public void BrandCalendar_WindowsAreUtcInstants_SoPostgreSqlQueriesCanUseThem()
    {
        // Npgsql refuses a DateTimeOffset with a non-zero offset for timestamptz: the bounty's daily cap query failed with
        // a 500 on PostgreSQL for every first order of a brand with a bounty (found by the money model test).
        var shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        var at = new DateTimeOffset(2026, 3, 1, 16, 30, 0, TimeSpan.Zero);
        var day = BrandCalendar.DayWindow(at, shanghai);
        var month = BrandCalendar.MonthWindow(at, shanghai);
        new[] { day.Start, day.End, month.Start, month.End }.ShouldAllBe(t => t.Offset == TimeSpan.Zero);
    }

    // ---------- Refund reversal ----------

    [Fact]
    public void PartialRefunds_ReverseProportionally_AndTheLastRefundReversesExactlyWhatIsLeft()
    {
        // Commission ¥5.00 on paid ¥99.99; three refunds of ¥33.33: 500 × 3333 ÷ 9999 = 166.67 → 167, 167, then the rest: 166.
        var first = RefundReversal.Reverse(500, 9_999, 0, 0, 3_333);
        (first.Accepted, first.ReversedFen, first.IsLastRefund, first.RemainingCommissionFen).ShouldBe((true, 167L, false, 333L));
        var second = RefundReversal.Reverse(500, 9_999, 3_333, 167, 3_333);
        second.ReversedFen.ShouldBe(167);
        var last = RefundReversal.Reverse(500, 9_999, 6_666, 334, 3_333);
        (last.ReversedFen, last.IsLastRefund, last.RemainingCommissionFen).ShouldBe((166L, true, 0L));
    }

    [Fact]
    public void AReversal_NeverTakesMoreThanIsLeft_BeforeTheLastRefund()
    {
        // Commission 5 fen on paid 8 fen, refunded 1 fen at a time: round(0.625) = 1 each, so after five refunds
        // all 5 fen are reversed; the sixth and seventh reverse 0 (not 1), and the last reverses what is left: 0.
        long reversed = 0;
        var steps = new List<long>();
        for (long refunded = 0; refunded < 8; refunded++)
        {
            var r = RefundReversal.Reverse(5, 8, refunded, reversed, 1);
            steps.Add(r.ReversedFen);
            reversed += r.ReversedFen;
        }
        steps.ShouldBe([1, 1, 1, 1, 1, 0, 0, 0]);
    }

    [Fact]
    public void ARefundBeyondThePaidAmount_IsRejected_AndReversesNothing()
    {
        var over = RefundReversal.Reverse(500, 10_000, 6_000, 300, 4_001);
        (over.Accepted, over.ReversedFen, over.RemainingCommissionFen).ShouldBe((false, 0L, 200L));
        over.Reason.ShouldBe("The refund of ¥40.01 exceeds the ¥40.00 left to refund on this line.");
        RefundReversal.Reverse(500, 10_000, 0, 0, 0).Accepted.ShouldBeFalse();
        Should.Throw<ArgumentOutOfRangeException>(() => RefundReversal.Reverse(500, 10_000, 0, 501, 100));
    }

    [Fact]
    public void ASplitLine_IsReversedPartByPart_AndEachPartEndsFullyReversed()
    {
        // The split from above (owner 370, store 371, region 494 on paid 12345), refunded 5000 then 7345.
        var commission = new SplitAmounts(370, 371, 494);
        var first = RefundReversal.ReverseSplit(commission, 12_345, 0, new SplitAmounts(0, 0, 0), 5_000);
        // 370 × 5000 ÷ 12345 = 149.86 → 150; 371 → 150.26 → 150; 494 → 200.08 → 200.
        first.Reversed.ShouldBe(new SplitAmounts(150, 150, 200));
        var last = RefundReversal.ReverseSplit(commission, 12_345, 5_000, first.Reversed, 7_345);
        last.Reversed.ShouldBe(new SplitAmounts(220, 221, 294));
        (first.Reversed.TotalFen + last.Reversed.TotalFen).ShouldBe(commission.TotalFen);
    }
}
