using System.Globalization;
using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Features.Commission;

/// <summary>One order line as commission sees it.</summary>
/// <param name="Sku">The product.</param>
/// <param name="Category">The product's category.</param>
/// <param name="Quantity">Units sold, ≥ 1.</param>
/// <param name="UnitPriceFen">List price of one unit.</param>
/// <param name="LineDiscountFen">The line's own discount, between 0 and Quantity × UnitPriceFen.</param>
/// <param name="PaidFen">What the customer paid for the line: after the line discount and its share of the order
/// discounts and coupons (see <see cref="DiscountSpread.Spread"/>), without shipping or tax. This is the base.</param>
public sealed record CommissionLineInput(string Sku, string Category, int Quantity, long UnitPriceFen, long LineDiscountFen, long PaidFen);

/// <summary>An order as commission sees it, everything as of <paramref name="PlacedAt"/>.</summary>
/// <param name="Lines">The order's lines; results come back in the same order.</param>
/// <param name="IsPromotion">The order was placed under a promotion (rules may exclude such orders).</param>
/// <param name="OwnerKind">The kind of the owner credited with the order at placedAt; null when the customer was in the store pool.</param>
/// <param name="StoreId">The store recorded on the order at placedAt.</param>
/// <param name="RegionId">The store's region at placedAt; null when the store has none.</param>
/// <param name="PlacedAt">The order's time (default: paid at); rules and tiers are taken as of then.</param>
/// <param name="MonthToDateGmvFen">The owner's credited GMV in the brand-time calendar month of placedAt,
/// before this order, net of refunds known at placedAt. Picks the tier; this order's own lines never count.</param>
public sealed record CommissionOrder(
    IReadOnlyList<CommissionLineInput> Lines,
    bool IsPromotion,
    OwnerKind? OwnerKind,
    StoreId? StoreId,
    RegionId? RegionId,
    DateTimeOffset PlacedAt,
    long MonthToDateGmvFen);

/// <summary>The commission of one line: the rule that made it, the rate used and each earner's part.</summary>
/// <param name="LineNumber">1-based position of the line in the order.</param>
/// <param name="Outcome">Whether a rule pays, or why nothing is paid.</param>
/// <param name="RuleId">The rule used (also for an exclusion); null when none applied.</param>
/// <param name="RuleVersion">The rule's version.</param>
/// <param name="RateKind">How the rule pays; null when nothing is paid.</param>
/// <param name="BasisPoints">The owner's rate used (after the tier) for a basis-point rule.</param>
/// <param name="FixedFen">For a per-unit rule the amount per unit; for a per-order rule the whole order amount (this line's share is the amount).</param>
/// <param name="Tier">The tier reached, when the rule has tiers and one was reached; null: the rule's own rate.</param>
/// <param name="BaseFen">The line's paid amount, the base of the commission.</param>
/// <param name="OwnerFen">The owner's commission.</param>
/// <param name="StoreFen">The store's part of a split (0 without a split).</param>
/// <param name="RegionFen">The region's part of a split (0 without a split).</param>
/// <param name="Split">The split rates when the rule splits; null otherwise.</param>
/// <param name="ExplanationZh">One sentence for the partner's statement, zh-CN.</param>
/// <param name="ExplanationEn">The same sentence in English.</param>
public sealed record LineCommission(
    int LineNumber,
    CommissionOutcome Outcome,
    Guid? RuleId,
    int? RuleVersion,
    RateKind? RateKind,
    int? BasisPoints,
    long? FixedFen,
    RateTier? Tier,
    long BaseFen,
    long OwnerFen,
    long StoreFen,
    long RegionFen,
    CommissionSplit? Split,
    string ExplanationZh,
    string ExplanationEn)
{
    /// <summary>The whole commission of the line: with a split, the amount at the top rate rounded once.</summary>
    public long TotalFen => OwnerFen + StoreFen + RegionFen;
}

/// <summary>The commission of an order, line by line.</summary>
public sealed record OrderCommission(IReadOnlyList<LineCommission> Lines)
{
    public long OwnerFen => Lines.Sum(l => l.OwnerFen);
    public long StoreFen => Lines.Sum(l => l.StoreFen);
    public long RegionFen => Lines.Sum(l => l.RegionFen);
    public long TotalFen => Lines.Sum(l => l.TotalFen);
}

/// <summary>The money math of commission (DOMAIN.md "Which sale is credited, and how much"). Pure: no
/// database, no clock. The caller passes the order as of placedAt and the rules in force.</summary>
public static class CommissionCalculator
{
    /// <summary>Computes each line's commission:
    /// <list type="bullet">
    /// <item>the base is the line's paid amount (after discounts; shipping and tax are not in it);</item>
    /// <item>a percent applies to the line's paid amount once, rounded half up once per line (never per unit or per order);</item>
    /// <item>a fixed amount per unit replaces the percent and is multiplied by the quantity;</item>
    /// <item>a fixed amount per order is paid once per order and rule, spread over that rule's lines in
    /// proportion to their paid amounts like a discount (so a refund can reverse it by line);</item>
    /// <item>a split pays region, store and owner; the parts add up to the line at the top rate rounded once,
    /// each level's part being its rounded cumulative amount minus the next level's;</item>
    /// <item>tiers set the owner's own rate from <see cref="CommissionOrder.MonthToDateGmvFen"/>, never re-rated.</item>
    /// </list></summary>
    /// <exception cref="ArgumentException">A line with impossible amounts.</exception>
    /// <exception cref="InvalidOperationException">The rule chosen for a line is invalid (see <see cref="CommissionRule.Validate"/>).</exception>
    public static OrderCommission ForOrder(CommissionOrder order, IReadOnlyList<CommissionRule> rulesInForce)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(rulesInForce);
        for (var i = 0; i < order.Lines.Count; i++) CheckLine(order.Lines[i], i + 1);

        if (order.OwnerKind is not { } ownerKind)
            return new OrderCommission(order.Lines.Select((line, i) => NoOwner(line, i + 1)).ToList());

        var choices = order.Lines
            .Select(line => RuleSelection.Choose(rulesInForce, line, order.IsPromotion, ownerKind, order.StoreId, order.RegionId, order.PlacedAt))
            .ToList();
        foreach (var rule in choices.Where(c => c.Outcome == CommissionOutcome.Pays).Select(c => c.Rule!).Distinct())
        {
            var errors = rule.Validate();
            if (errors.Count > 0) throw new InvalidOperationException($"Rule \"{rule.Name}\" v{rule.Version} ({rule.Id}) is invalid: {string.Join(" ", errors)}");
        }

        var perOrderShares = SpreadPerOrderAmounts(order.Lines, choices);
        var result = new List<LineCommission>(order.Lines.Count);
        for (var i = 0; i < order.Lines.Count; i++)
        {
            var line = order.Lines[i];
            var choice = choices[i];
            result.Add(choice.Outcome == CommissionOutcome.Pays
                ? Pays(line, i + 1, choice.Rule!, order.MonthToDateGmvFen, perOrderShares[i])
                : NoCommission(line, i + 1, choice));
        }
        return new OrderCommission(result);
    }

    /// <summary>For each line under a fixed-per-order rule, its share of that rule's amount: paid once per
    /// order, however many lines the rule covers. Lines that paid nothing carry no share, and an order whose
    /// lines under the rule paid nothing earns nothing from it (there is no paid amount to weigh by or refund).</summary>
    private static long[] SpreadPerOrderAmounts(IReadOnlyList<CommissionLineInput> lines, List<RuleChoice> choices)
    {
        var shares = new long[lines.Count];
        // Grouped by rule id and version: one amount per rule version per order.
        var perOrderRules = Enumerable.Range(0, lines.Count)
            .Where(i => choices[i].Outcome == CommissionOutcome.Pays && choices[i].Rule!.Rate.Kind == RateKind.FixedPerOrder)
            .GroupBy(i => (choices[i].Rule!.Id, choices[i].Rule!.Version));
        foreach (var group in perOrderRules)
        {
            var indexes = group.ToList();
            var paid = indexes.Select(i => lines[i].PaidFen).ToList();
            if (paid.Sum() == 0) continue;
            var parts = DiscountSpread.SpreadInProportion(paid, choices[indexes[0]].Rule!.Rate.FixedFenPerOrder!.Value);
            for (var k = 0; k < indexes.Count; k++) shares[indexes[k]] = parts[k];
        }
        return shares;
    }

    private static LineCommission Pays(CommissionLineInput line, int number, CommissionRule rule, long monthToDateGmvFen, long perOrderShare)
    {
        var head = Head(line, number);
        var ruleText = (Zh: $"规则「{rule.Name}」第{rule.Version}版（{ScopeZh(rule.Scope.Level)}）", En: $"rule \"{rule.Name}\" v{rule.Version} ({ScopeEn(rule.Scope.Level)})");
        return rule.Rate.Kind switch
        {
            RateKind.FixedPerUnit => FixedPerUnit(line, number, rule, head, ruleText),
            RateKind.FixedPerOrder => FixedPerOrder(line, number, rule, perOrderShare, head, ruleText),
            RateKind.BasisPoints => Percentage(line, number, rule, monthToDateGmvFen, head, ruleText),
            _ => throw new InvalidOperationException($"Rule \"{rule.Name}\" v{rule.Version} has no single rate."),
        };
    }

    /// <summary>A fixed amount per unit: replaces the percent, multiplied by the quantity once; nothing to round.</summary>
    private static LineCommission FixedPerUnit(CommissionLineInput line, int number, CommissionRule rule, (string Zh, string En) head, (string Zh, string En) ruleText)
    {
        var perUnit = rule.Rate.FixedFenPerUnit!.Value;
        var amount = checked(perUnit * line.Quantity);
        return new LineCommission(number, CommissionOutcome.Pays, rule.Id, rule.Version, RateKind.FixedPerUnit, null, perUnit, null,
            line.PaidFen, amount, 0, 0, null,
            $"{head.Zh}：每件 {new Money(perUnit)} × {line.Quantity} 件 = {new Money(amount)}，{ruleText.Zh}。",
            $"{head.En}: {new Money(perUnit)} per unit × {line.Quantity} = {new Money(amount)}, {ruleText.En}.");
    }

    /// <summary>A fixed amount per order: this line's share, already spread over the rule's lines by paid amount.</summary>
    private static LineCommission FixedPerOrder(CommissionLineInput line, int number, CommissionRule rule, long share, (string Zh, string En) head, (string Zh, string En) ruleText)
    {
        var whole = new Money(rule.Rate.FixedFenPerOrder!.Value);
        var paid = new Money(line.PaidFen);
        return new LineCommission(number, CommissionOutcome.Pays, rule.Id, rule.Version, RateKind.FixedPerOrder, null, whole.Fen, null,
            line.PaidFen, share, 0, 0, null,
            $"{head.Zh}：每单固定 {whole}，按实付金额分摊到本规则的各行，本行（实付 {paid}）分得 {new Money(share)}，{ruleText.Zh}。",
            $"{head.En}: fixed {whole} per order, spread over this rule's lines by paid amount; this line (paid {paid}) gets {new Money(share)}, {ruleText.En}.");
    }

    /// <summary>A percentage of the line's paid amount, the owner's rate from the tier reached, and the split when the rule has one.</summary>
    private static LineCommission Percentage(CommissionLineInput line, int number, CommissionRule rule, long monthToDateGmvFen, (string Zh, string En) head, (string Zh, string En) ruleText)
    {
        var paid = new Money(line.PaidFen);
        var (ownerRate, tier) = rule.OwnerRateFor(monthToDateGmvFen)!.Value;
        var tierEn = tier is { } t ? $" (tier reached: {new Money(t.MonthToDateGmvFen)} month-to-date; {new Money(monthToDateGmvFen)} before this order)" : "";
        var tierZh = tier is { } z ? $"（本月此前业绩 {new Money(monthToDateGmvFen)}，达到 {new Money(z.MonthToDateGmvFen)} 档）" : "";
        // Rounded once, on the line's paid amount: never per unit, never per order.
        var ownerFen = Rounding.ApplyBasisPoints(paid, ownerRate).Fen;
        if (rule.Split is not { } split)
        {
            return new LineCommission(number, CommissionOutcome.Pays, rule.Id, rule.Version, RateKind.BasisPoints, ownerRate, null, tier,
                line.PaidFen, ownerFen, 0, 0, null,
                $"{head.Zh}：实付 {paid} × {Percent(ownerRate)}{tierZh} = {new Money(ownerFen)}，{ruleText.Zh}。",
                $"{head.En}: paid {paid} × {Percent(ownerRate)}{tierEn} = {new Money(ownerFen)}, {ruleText.En}.");
        }

        // Each level's cumulative amount is rounded once; its part is the difference with the level below,
        // so the parts add up to the top-rate amount exactly and none is negative (rates only go down).
        // Rounding each part's own rate instead could lose or add a fen.
        var regionCumulative = Rounding.ApplyBasisPoints(paid, split.RegionBasisPoints).Fen;
        var storeCumulative = Rounding.ApplyBasisPoints(paid, split.StoreBasisPoints).Fen;
        var storeFen = storeCumulative - ownerFen;
        var regionFen = regionCumulative - storeCumulative;
        var storeRate = split.StoreBasisPoints - ownerRate;
        var regionRate = split.RegionBasisPoints - split.StoreBasisPoints;
        return new LineCommission(number, CommissionOutcome.Pays, rule.Id, rule.Version, RateKind.BasisPoints, ownerRate, null, tier,
            line.PaidFen, ownerFen, storeFen, regionFen, split,
            $"{head.Zh}：实付 {paid} × {Percent(split.RegionBasisPoints)} = {new Money(regionCumulative)}，{ruleText.Zh}；"
            + $"分润：本人 {Percent(ownerRate)}{tierZh} = {new Money(ownerFen)}，门店 {Percent(storeRate)} = {new Money(storeFen)}，区域 {Percent(regionRate)} = {new Money(regionFen)}。",
            $"{head.En}: paid {paid} × {Percent(split.RegionBasisPoints)} = {new Money(regionCumulative)}, {ruleText.En}; "
            + $"split: owner {Percent(ownerRate)}{tierEn} = {new Money(ownerFen)}, store {Percent(storeRate)} = {new Money(storeFen)}, region {Percent(regionRate)} = {new Money(regionFen)}.");
    }

    private static LineCommission NoCommission(CommissionLineInput line, int number, RuleChoice choice)
    {
        var head = Head(line, number);
        return new LineCommission(number, choice.Outcome, choice.Rule?.Id, choice.Rule?.Version, null, null, null, null,
            line.PaidFen, 0, 0, 0, null,
            $"{head.Zh}：不计佣金——{choice.ReasonZh}。",
            $"{head.En}: no commission — {choice.ReasonEn}.");
    }

    private static LineCommission NoOwner(CommissionLineInput line, int number)
    {
        var head = Head(line, number);
        return new LineCommission(number, CommissionOutcome.NoOwner, null, null, null, null, null, null,
            line.PaidFen, 0, 0, 0, null,
            $"{head.Zh}：不计佣金——下单时顾客没有归属人（门店公海），订单计入门店。",
            $"{head.En}: no commission — the customer had no owner when the order was placed (store pool); the order counts for the store.");
    }

    private static (string Zh, string En) Head(CommissionLineInput line, int number) =>
        ($"第{number}行（{line.Sku} × {line.Quantity}）", $"Line {number} ({line.Sku} × {line.Quantity})");

    /// <summary>Basis points as a percent with two decimals, in integers: 525 → "5.25%".</summary>
    public static string Percent(int basisPoints)
    {
        // Every commission line of a batch formats the same few rates (up to 4 times each): the text of 0–100 % is made once.
        if ((uint)basisPoints < (uint)PercentTexts.Length)
            return PercentTexts[basisPoints] ??= Format(basisPoints);
        return Format(basisPoints);
    }

    private static readonly string?[] PercentTexts = new string?[10_001];

    private static string Format(int basisPoints)
    {
        var sign = basisPoints < 0 ? "-" : "";
        var abs = Math.Abs(basisPoints);
        return string.Create(CultureInfo.InvariantCulture, $"{sign}{abs / 100}.{abs % 100:00}%");
    }

    private static string ScopeEn(ScopeLevel level) => level switch
    {
        ScopeLevel.Sku => "SKU rule",
        ScopeLevel.Category => "category rule",
        ScopeLevel.Store => "store rule",
        ScopeLevel.Region => "region rule",
        _ => "brand default",
    };

    private static string ScopeZh(ScopeLevel level) => level switch
    {
        ScopeLevel.Sku => "单品规则",
        ScopeLevel.Category => "品类规则",
        ScopeLevel.Store => "门店规则",
        ScopeLevel.Region => "区域规则",
        _ => "品牌默认规则",
    };

    private static void CheckLine(CommissionLineInput line, int number)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (line.Quantity < 1) throw new ArgumentException($"Line {number}: the quantity must be 1 or more.", nameof(line));
        if (line.UnitPriceFen < 0) throw new ArgumentException($"Line {number}: the unit price cannot be negative.", nameof(line));
        var listFen = checked(line.UnitPriceFen * line.Quantity);
        if (line.LineDiscountFen < 0 || line.LineDiscountFen > listFen)
            throw new ArgumentException($"Line {number}: the line discount must be between 0 and the line's {listFen} fen.", nameof(line));
        if (line.PaidFen < 0 || line.PaidFen > listFen - line.LineDiscountFen)
            throw new ArgumentException($"Line {number}: the paid amount must be between 0 and the line's {listFen - line.LineDiscountFen} fen after its discount.", nameof(line));
    }
}
