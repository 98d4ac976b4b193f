using System.Text.Json;
using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Commission;

/// <summary>A commission rule as the API and the database carry it: plain fields, amounts in fen and rates in
/// basis points. Maps one to one onto the pure <see cref="CommissionRule"/> the calculator reads.</summary>
public sealed record RuleDefinition(
    Guid? Id,
    int Version,
    string? Name,
    IReadOnlyList<string>? AppliesTo,
    string? Sku,
    string? Category,
    Guid? StoreId,
    Guid? RegionId,
    int Priority,
    int? BasisPoints,
    long? FixedFenPerUnit,
    long? FixedFenPerOrder,
    IReadOnlyList<RateTier>? Tiers,
    IReadOnlyList<string>? ExcludedCategories,
    bool ExcludePromotionOrders,
    int? SplitRegionBasisPoints,
    int? SplitStoreBasisPoints,
    DateTimeOffset EffectiveFrom,
    DateTimeOffset? EffectiveTo)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public CommissionRule ToRule() => new(
        Id ?? Guid.Empty, Version, Name ?? "",
        (AppliesTo ?? []).Select(k => Enum.Parse<OwnerKind>(k, true)).ToHashSet(),
        new RuleScope(Sku, Category, StoreId is { } s ? new StoreId(s) : null, RegionId is { } r ? new RegionId(r) : null),
        Priority,
        new CommissionRate(BasisPoints, FixedFenPerUnit, FixedFenPerOrder),
        EffectiveFrom, EffectiveTo)
    {
        Tiers = Tiers ?? [],
        ExcludedCategories = (ExcludedCategories ?? []).ToHashSet(StringComparer.Ordinal),
        ExcludePromotionOrders = ExcludePromotionOrders,
        Split = SplitRegionBasisPoints is { } rb && SplitStoreBasisPoints is { } sb ? new CommissionSplit(rb, sb) : null,
    };

    public static RuleDefinition Of(CommissionRule rule) => new(
        rule.Id, rule.Version, rule.Name, rule.AppliesTo.Select(k => k.ToString()).Order(StringComparer.Ordinal).ToList(),
        rule.Scope.Sku, rule.Scope.Category, rule.Scope.StoreId?.Value, rule.Scope.RegionId?.Value, rule.Priority,
        rule.Rate.BasisPoints, rule.Rate.FixedFenPerUnit, rule.Rate.FixedFenPerOrder, rule.Tiers.ToList(),
        rule.ExcludedCategories.Order(StringComparer.Ordinal).ToList(), rule.ExcludePromotionOrders,
        rule.Split?.RegionBasisPoints, rule.Split?.StoreBasisPoints, rule.EffectiveFrom, rule.EffectiveTo);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static RuleDefinition FromJson(string json) => JsonSerializer.Deserialize<RuleDefinition>(json, Json)!;

    /// <summary>Every version of every rule of the brand in scope (a brand has tens of rules, not thousands); the
    /// calculator picks the versions in force at each order's placedAt.</summary>
    public static async Task<List<CommissionRule>> AllVersionsAsync(GuidelinkDb db, CancellationToken ct)
    {
        var rows = await db.CommissionRules.AsNoTracking().ToListAsync(ct);
        return rows.Select(r => FromJson(r.Definition).ToRule() with { EffectiveTo = r.EffectiveTo }).ToList();
    }
}
