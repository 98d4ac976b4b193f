using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Features.Audit;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Commission;

/// <summary>Adds a rule (version 1) or a new version of an existing rule, effective from a given instant: the
/// version in force until then is closed at that instant. Nothing already credited is re-rated.</summary>
public static class SaveCommissionRule
{
    public sealed record Response(Guid RuleId, int Version, DateTimeOffset EffectiveFrom);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, TimeProvider clock)
    {
        public async Task<Outcome<Response>> HandleAsync(RuleDefinition request, CancellationToken ct)
        {
            var actor = actors.Current!;
            var now = clock.GetUtcNow();
            var errors = Validate(request);
            if (errors.Any) return errors.ToOutcome<Response>();

            var effective = request.EffectiveFrom == default ? now : request.EffectiveFrom;
            var ruleId = request.Id ?? Guid.CreateVersion7();
            var versions = request.Id is null ? [] : await db.CommissionRules.Where(r => r.RuleId == ruleId).ToListAsync(ct);
            if (request.Id is not null && versions.Count == 0) return Outcome<Response>.NotFound($"Rule {ruleId} not found.");
            var version = versions.Count == 0 ? 1 : versions.Max(v => v.Version) + 1;
            foreach (var v in versions.Where(v => v.EffectiveTo is null || v.EffectiveTo > effective))
            {
                if (v.EffectiveFrom >= effective) return Outcome<Response>.Invalid("effectiveFrom", "must be after the start of the version in force.");
                v.EndAt(effective);
            }
            var definition = request with { Id = ruleId, Version = version, EffectiveFrom = effective };
            var rule = definition.ToRule();
            db.CommissionRules.Add(CommissionRuleVersion.Create(db.TenantContext.Required, rule, definition.ToJson(), now, actor.Name));
            AuditLog.Add(db, actor, now, "commission.rule.saved", "CommissionRule", ruleId.ToString(), null, definition);
            await db.SaveChangesAsync(ct);
            return new Response(ruleId, version, effective);
        }
    }

    /// <summary>Field errors of a definition, including the pure rule's own checks (rates, tiers, split).</summary>
    public static FieldErrors Validate(RuleDefinition r)
    {
        var errors = new FieldErrors().Required("name", r.Name, 100);
        foreach (var kind in r.AppliesTo ?? [])
            if (!Enum.TryParse<OwnerKind>(kind, true, out _)) errors.Add("appliesTo", $"'{kind}' is not one of {string.Join(", ", Enum.GetNames<OwnerKind>())}.");
        if ((r.SplitRegionBasisPoints is null) != (r.SplitStoreBasisPoints is null))
            errors.Add("splitStoreBasisPoints", "a split needs both the region and the store rate.");
        if (errors.Any) return errors;
        foreach (var problem in (r with { Version = Math.Max(r.Version, 1), EffectiveFrom = r.EffectiveFrom == default ? DateTimeOffset.UnixEpoch : r.EffectiveFrom }).ToRule().Validate())
            errors.Add("rule", problem);
        return errors;
    }
}

/// <summary>The brand's rules with all their versions, newest first per rule.</summary>
public static class ListCommissionRules
{
    public sealed record Item(Guid RuleId, int Version, string Name, DateTimeOffset EffectiveFrom, DateTimeOffset? EffectiveTo, RuleDefinition Definition,
        string CreatedBy, DateTimeOffset CreatedAt);

    public sealed class Handler(GuidelinkDb db)
    {
        public async Task<IReadOnlyList<Item>> HandleAsync(CancellationToken ct)
        {
            var rows = await db.CommissionRules.AsNoTracking().ToListAsync(ct);
            return rows.OrderBy(r => r.Name, StringComparer.Ordinal).ThenBy(r => r.RuleId).ThenByDescending(r => r.Version)
                .Select(r => new Item(r.RuleId, r.Version, r.Name, r.EffectiveFrom, r.EffectiveTo, RuleDefinition.FromJson(r.Definition) with { EffectiveTo = r.EffectiveTo },
                    r.CreatedBy, r.CreatedAt)).ToList();
        }
    }
}
