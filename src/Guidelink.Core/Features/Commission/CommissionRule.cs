using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Features.Commission;

/// <summary>What a rule's scope names; a rule only applies to lines (and stores, regions) it matches.
/// Every field that is set must match. No field set is the brand default.</summary>
/// <param name="Sku">One product.</param>
/// <param name="Category">One product category (e.g. "sofa").</param>
/// <param name="StoreId">One store (the store recorded on the order at placedAt).</param>
/// <param name="RegionId">One region (the region recorded on the order at placedAt).</param>
public sealed record RuleScope(string? Sku = null, string? Category = null, StoreId? StoreId = null, RegionId? RegionId = null)
{
    /// <summary>The brand default: applies everywhere.</summary>
    public static readonly RuleScope BrandDefault = new();

    /// <summary>How specific the scope is: its most specific field decides (SKU over category over store
    /// over region over nothing). A scope naming a category in one store is a category rule that only
    /// applies in that store.</summary>
    public ScopeLevel Level =>
        Sku is not null ? ScopeLevel.Sku
        : Category is not null ? ScopeLevel.Category
        : StoreId is not null ? ScopeLevel.Store
        : RegionId is not null ? ScopeLevel.Region
        : ScopeLevel.BrandDefault;
}

/// <summary>Scope specificity, least specific first: a higher value wins (DOMAIN.md "Which rule").</summary>
public enum ScopeLevel { BrandDefault = 0, Region = 1, Store = 2, Category = 3, Sku = 4 }

/// <summary>How a rule pays: exactly one of the three is set. A fixed amount of 0 is set and pays 0;
/// null means "not set". Fixed and percent never add up, which is why a rule holds only one.</summary>
/// <param name="BasisPoints">Percent of the line's paid amount, in basis points (500 = 5.00%).</param>
/// <param name="FixedFenPerUnit">A fixed amount per unit sold; replaces the percent and is multiplied by the quantity.</param>
/// <param name="FixedFenPerOrder">A fixed amount once per order, spread over the order's lines under this rule like a discount.</param>
public sealed record CommissionRate(int? BasisPoints = null, long? FixedFenPerUnit = null, long? FixedFenPerOrder = null)
{
    public static CommissionRate Percent(int basisPoints) => new(BasisPoints: basisPoints);
    public static CommissionRate PerUnit(long fen) => new(FixedFenPerUnit: fen);
    public static CommissionRate PerOrder(long fen) => new(FixedFenPerOrder: fen);

    /// <summary>Which of the three is set; null when none or more than one is (an invalid rate).</summary>
    public RateKind? Kind =>
        (BasisPoints, FixedFenPerUnit, FixedFenPerOrder) switch
        {
            ({ }, null, null) => RateKind.BasisPoints,
            (null, { }, null) => RateKind.FixedPerUnit,
            (null, null, { }) => RateKind.FixedPerOrder,
            _ => null,
        };
}

/// <summary>The three ways a rule pays.</summary>
public enum RateKind { BasisPoints, FixedPerUnit, FixedPerOrder }

/// <summary>A step of a tiered rate: once the earner's credited GMV month-to-date (before the order) has
/// reached <paramref name="MonthToDateGmvFen"/>, the owner's own rate is <paramref name="BasisPoints"/>.</summary>
public sealed record RateTier(long MonthToDateGmvFen, int BasisPoints);

/// <summary>The split of one line's commission up the org tree (region → store → owner). Each level's
/// rate is cumulative: the region rate is the whole commission, the store rate is what the store and
/// the owner share, the owner rate (the rule's rate or tier) is the owner's. Each level earns the difference.</summary>
/// <param name="RegionBasisPoints">The top rate: the whole commission of the line. Equal to the store rate when there is no regional share.</param>
/// <param name="StoreBasisPoints">The store's and owner's rate together.</param>
public sealed record CommissionSplit(int RegionBasisPoints, int StoreBasisPoints);

/// <summary>A commission rule as the calculator reads it: a pure record (the database entity mirrors it).
/// A change to a rule is a new version; an order uses the versions in force at its placedAt.</summary>
/// <param name="Id">The rule; the same across its versions.</param>
/// <param name="Version">The rule's version; a higher version of the same rule wins if two are in force at once.</param>
/// <param name="Name">Shown to partners on statements.</param>
/// <param name="AppliesTo">The owner kinds the rule pays; empty means all kinds.</param>
/// <param name="Scope">What the rule applies to; <see cref="RuleScope.BrandDefault"/> for everything.</param>
/// <param name="Priority">Among rules of the same scope level, the higher priority wins.</param>
/// <param name="Rate">How the rule pays the owner (before tiers).</param>
/// <param name="EffectiveFrom">In force from this instant (inclusive).</param>
/// <param name="EffectiveTo">In force until this instant (exclusive); null for no end. Windows are half-open.</param>
public sealed record CommissionRule(
    Guid Id,
    int Version,
    string Name,
    IReadOnlySet<OwnerKind> AppliesTo,
    RuleScope Scope,
    int Priority,
    CommissionRate Rate,
    DateTimeOffset EffectiveFrom,
    DateTimeOffset? EffectiveTo = null)
{
    /// <summary>Tiers of the owner's own rate by month-to-date GMV, ascending thresholds; only with a basis-point rate.
    /// Below the first threshold the rule's <see cref="Rate"/> applies.</summary>
    public IReadOnlyList<RateTier> Tiers { get; init; } = [];

    /// <summary>Categories this rule pays nothing for when it is the rule chosen for a line.</summary>
    public IReadOnlySet<string> ExcludedCategories { get; init; } = new HashSet<string>();

    /// <summary>When set, this rule pays nothing on promotion orders.</summary>
    public bool ExcludePromotionOrders { get; init; }

    /// <summary>The region → store → owner split; only with a basis-point rate. Null: the owner earns it all.</summary>
    public CommissionSplit? Split { get; init; }

    /// <summary>Whether the rule pays this owner kind (an empty set pays every kind).</summary>
    public bool AppliesToKind(OwnerKind kind) => AppliesTo.Count == 0 || AppliesTo.Contains(kind);

    /// <summary>Whether the rule is in force at the instant: [EffectiveFrom, EffectiveTo).</summary>
    public bool IsInForceAt(DateTimeOffset at) => EffectiveFrom <= at && (EffectiveTo is not { } to || at < to);

    /// <summary>The problems that make the rule unusable, as sentences for the admin; empty when valid.
    /// The calculator refuses an invalid rule rather than guess.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Name)) errors.Add("A rule needs a name.");
        if (Version < 1) errors.Add("The version must be 1 or more.");
        if (EffectiveTo is { } to && to <= EffectiveFrom) errors.Add("EffectiveTo must be after EffectiveFrom.");

        switch (Rate.Kind)
        {
            case null:
                errors.Add("Set exactly one of: basis points, fixed fen per unit, fixed fen per order.");
                break;
            case RateKind.BasisPoints when Rate.BasisPoints is < 0 or > 10_000:
                errors.Add("Basis points must be between 0 and 10,000 (0% to 100%).");
                break;
            case RateKind.FixedPerUnit when Rate.FixedFenPerUnit < 0:
            case RateKind.FixedPerOrder when Rate.FixedFenPerOrder < 0:
                errors.Add("A fixed amount cannot be negative.");
                break;
        }

        if (Tiers.Count > 0)
        {
            // Tiers are rates; a fixed amount has nothing for a tier to replace.
            if (Rate.Kind != RateKind.BasisPoints) errors.Add("Tiers need a basis-point rate.");
            for (var i = 0; i < Tiers.Count; i++)
            {
                if (Tiers[i].MonthToDateGmvFen <= 0) errors.Add($"Tier {i + 1}: the GMV threshold must be above 0 (below the first tier the rule's rate applies).");
                if (Tiers[i].BasisPoints is < 0 or > 10_000) errors.Add($"Tier {i + 1}: basis points must be between 0 and 10,000.");
                if (i > 0 && Tiers[i].MonthToDateGmvFen <= Tiers[i - 1].MonthToDateGmvFen) errors.Add($"Tier {i + 1}: thresholds must go up.");
            }
        }

        if (Split is { } split)
        {
            // The split is in rates; a fixed amount has no rate to compare with the store's and region's.
            if (Rate.Kind != RateKind.BasisPoints) errors.Add("A split needs a basis-point rate.");
            if (split.RegionBasisPoints > 10_000 || split.StoreBasisPoints < 0) errors.Add("Split rates must be between 0 and 10,000 basis points.");
            // A child's rate may equal its parent's, never exceed it: otherwise a level would earn a negative part.
            if (split.StoreBasisPoints > split.RegionBasisPoints) errors.Add("The store's rate cannot exceed the region's.");
            if (Rate.BasisPoints > split.StoreBasisPoints) errors.Add("The owner's rate cannot exceed the store's.");
            foreach (var tier in Tiers.Where(t => t.BasisPoints > split.StoreBasisPoints))
                errors.Add($"The tier from {new Money(tier.MonthToDateGmvFen)} pays the owner more than the store's rate.");
        }
        return errors;
    }

    /// <summary>The owner's own rate for a month-to-date GMV (before the order): the highest tier whose
    /// threshold has been reached (≥), else the rule's rate. Null for a fixed-amount rule.</summary>
    public (int BasisPoints, RateTier? Tier)? OwnerRateFor(long monthToDateGmvFen)
    {
        if (Rate.BasisPoints is not { } rate) return null;
        RateTier? reached = null;
        foreach (var tier in Tiers)
            if (monthToDateGmvFen >= tier.MonthToDateGmvFen) reached = tier;
        return reached is { } t ? (t.BasisPoints, t) : (rate, null);
    }
}
