using Guidelink.Core.Features.Audit;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Attribution;

/// <summary>A brand's rule for who owns a customer, versioned: a change is a new version with the instant
/// it takes effect; a decision uses the version in force at the touch's own time and records it.</summary>
public sealed class AttributionPolicy : ITenantOwned, IAudited
{
    public const int DefaultProtectionDays = 90;

    private AttributionPolicy() { }

    public TenantId TenantId { get; private set; }
    public int Version { get; private set; }
    public DateTimeOffset EffectiveFrom { get; private set; }
    public AttributionMode Mode { get; private set; }
    public int ProtectionDays { get; private set; }
    /// <summary>Owner kinds from strongest to weakest, comma-separated. In LastTouch mode a protected owner
    /// is only taken by a kind at least as strong (e.g. a part-time guide cannot take a protected official guide's customer).</summary>
    public string Precedence { get; private set; } = DefaultPrecedence;
    public bool AllowSelfReferral { get; private set; }
    /// <summary>Manual reassignments of one customer allowed per 90 days (WeChat Work allows 2 on-job transfers).</summary>
    public int ManualTransfersPer90Days { get; private set; } = 2;

    public string AuditKey => Version.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public const string DefaultPrecedence = "OfficialGuide,Installer,AllianceStore,PartTimeGuide,ShareAmbassador";

    public TimeSpan Protection => TimeSpan.FromDays(ProtectionDays);

    /// <summary>The policy a brand has before it sets one: version 0, in force since forever.</summary>
    public static AttributionPolicy Default(TenantId tenant) => new()
    {
        TenantId = tenant,
        Version = 0,
        EffectiveFrom = DateTimeOffset.MinValue,
        Mode = AttributionMode.FirstTouch,
        ProtectionDays = DefaultProtectionDays,
    };

    public static AttributionPolicy Create(TenantId tenant, int version, DateTimeOffset effectiveFrom, AttributionMode mode, int protectionDays,
        string? precedence, bool allowSelfReferral, int manualTransfersPer90Days) => new()
        {
            TenantId = tenant,
            Version = version,
            EffectiveFrom = effectiveFrom,
            Mode = mode,
            ProtectionDays = protectionDays,
            Precedence = string.IsNullOrWhiteSpace(precedence) ? DefaultPrecedence : precedence,
            AllowSelfReferral = allowSelfReferral,
            ManualTransfersPer90Days = manualTransfersPer90Days,
        };

    /// <summary>The version in force at <paramref name="at"/> for the brand in scope (the default before the first).</summary>
    public static async Task<AttributionPolicy> InForceAsync(GuidelinkDb db, DateTimeOffset at, CancellationToken ct) =>
        await db.AttributionPolicies.AsNoTracking().Where(p => p.EffectiveFrom <= at).OrderByDescending(p => p.Version).FirstOrDefaultAsync(ct)
        ?? Default(db.TenantContext.Required);

    /// <summary>0 is strongest; kinds not listed are weakest.</summary>
    public int RankOf(OwnerKind kind)
    {
        var order = Precedence.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var index = Array.IndexOf(order, kind.ToString());
        return index < 0 ? order.Length : index;
    }
}
