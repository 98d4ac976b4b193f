using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Features.Commission;

/// <summary>One version of a commission rule as stored: the rule's definition (the pure <see cref="CommissionRule"/>
/// as JSON) with its effective window. Editing a rule closes the current version at the change's effective time and
/// adds the next version from then on; versions are never rewritten, so every commission line can name the
/// version that made it.</summary>
public sealed class CommissionRuleVersion : ITenantOwned
{
    private CommissionRuleVersion() { }

    public TenantId TenantId { get; private set; }
    public Guid Id { get; private set; }
    public Guid RuleId { get; private set; }
    public int Version { get; private set; }
    public string Name { get; private set; } = "";
    public DateTimeOffset EffectiveFrom { get; private set; }
    public DateTimeOffset? EffectiveTo { get; private set; }
    public string Definition { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }
    public string CreatedBy { get; private set; } = "";

    public static CommissionRuleVersion Create(TenantId tenant, CommissionRule rule, string definition, DateTimeOffset now, string createdBy) => new()
    {
        TenantId = tenant,
        Id = Guid.CreateVersion7(),
        RuleId = rule.Id,
        Version = rule.Version,
        Name = rule.Name,
        EffectiveFrom = rule.EffectiveFrom,
        EffectiveTo = rule.EffectiveTo,
        Definition = definition,
        CreatedAt = now,
        CreatedBy = createdBy,
    };

    /// <summary>Ends this version where the next one starts (half-open windows never overlap).</summary>
    public void EndAt(DateTimeOffset at) => EffectiveTo = EffectiveTo is { } to && to < at ? to : at;
}
