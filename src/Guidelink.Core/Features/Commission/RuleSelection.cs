using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Features.Commission;

/// <summary>What happened to a line's commission, and why when it pays nothing.</summary>
public enum CommissionOutcome
{
    /// <summary>A rule was chosen and pays (possibly 0, when the rule says so).</summary>
    Pays,
    /// <summary>The customer had no owner at placedAt (store pool): the order counts for the store, nobody earns.</summary>
    NoOwner,
    /// <summary>No rule in force applies to this owner kind and line.</summary>
    NoRule,
    /// <summary>The chosen rule excludes the line's category.</summary>
    ExcludedCategory,
    /// <summary>The chosen rule pays nothing on promotion orders.</summary>
    ExcludedPromotion,
}

/// <summary>The rule chosen for one line, or why there is none.</summary>
/// <param name="Outcome"><see cref="CommissionOutcome.Pays"/> when <paramref name="Rule"/> pays the line.</param>
/// <param name="Rule">The winning rule; also set for an exclusion (the rule that excluded the line), null when no rule applies.</param>
/// <param name="ReasonEn">Why, in English, for statements.</param>
/// <param name="ReasonZh">Why, in Chinese, for statements.</param>
public sealed record RuleChoice(CommissionOutcome Outcome, CommissionRule? Rule, string ReasonEn, string ReasonZh);

/// <summary>Which rule pays a line (DOMAIN.md "Which rule"). Pure: the caller passes the rules, the
/// owner kind, the store and region recorded on the order, and placedAt.</summary>
public static class RuleSelection
{
    /// <summary>Chooses the rule for one line.
    /// <list type="number">
    /// <item>Filter: the rule pays the owner's kind and is in force at <paramref name="at"/> ([from, to)), and its scope matches the line, store and region.</item>
    /// <item>The most specific scope wins: SKU, then category, then store, then region, then the brand default.</item>
    /// <item>Within one scope level: the higher priority; then the higher version; then the smaller id
    /// (Guid order) — only so that the choice never depends on the order the rules are passed in.</item>
    /// <item>If the winner excludes the line's category, or promotion orders and the order is one, the line
    /// earns nothing (a less specific rule does not step in: the most specific rule has said "not this").</item>
    /// </list></summary>
    public static RuleChoice Choose(IReadOnlyList<CommissionRule> rules, CommissionLineInput line, bool isPromotionOrder,
        OwnerKind ownerKind, StoreId? store, RegionId? region, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(line);

        CommissionRule? winner = null;
        foreach (var rule in rules)
        {
            if (!rule.AppliesToKind(ownerKind) || !rule.IsInForceAt(at) || !Matches(rule.Scope, line, store, region)) continue;
            if (winner is null || Beats(rule, winner)) winner = rule;
        }

        if (winner is null)
            return new RuleChoice(CommissionOutcome.NoRule, null,
                $"no rule in force pays a {ownerKind} for this line",
                "没有适用于本行的有效规则");
        if (winner.ExcludedCategories.Contains(line.Category))
            return new RuleChoice(CommissionOutcome.ExcludedCategory, winner,
                $"rule \"{winner.Name}\" v{winner.Version} excludes category \"{line.Category}\"",
                $"规则「{winner.Name}」第{winner.Version}版不含品类「{line.Category}」");
        if (winner.ExcludePromotionOrders && isPromotionOrder)
            return new RuleChoice(CommissionOutcome.ExcludedPromotion, winner,
                $"rule \"{winner.Name}\" v{winner.Version} pays nothing on promotion orders",
                $"规则「{winner.Name}」第{winner.Version}版不计促销订单");
        return new RuleChoice(CommissionOutcome.Pays, winner, $"rule \"{winner.Name}\" v{winner.Version}", $"规则「{winner.Name}」第{winner.Version}版");
    }

    /// <summary>Every field the scope sets must match; an unset field matches anything.</summary>
    private static bool Matches(RuleScope scope, CommissionLineInput line, StoreId? store, RegionId? region) =>
        (scope.Sku is null || string.Equals(scope.Sku, line.Sku, StringComparison.Ordinal))
        && (scope.Category is null || string.Equals(scope.Category, line.Category, StringComparison.Ordinal))
        && (scope.StoreId is null || scope.StoreId == store)
        && (scope.RegionId is null || scope.RegionId == region);

    /// <summary>Whether <paramref name="candidate"/> wins over <paramref name="current"/>.</summary>
    private static bool Beats(CommissionRule candidate, CommissionRule current)
    {
        if (candidate.Scope.Level != current.Scope.Level) return candidate.Scope.Level > current.Scope.Level;
        if (candidate.Priority != current.Priority) return candidate.Priority > current.Priority;
        if (candidate.Version != current.Version) return candidate.Version > current.Version;
        return candidate.Id.CompareTo(current.Id) < 0;
    }
}
