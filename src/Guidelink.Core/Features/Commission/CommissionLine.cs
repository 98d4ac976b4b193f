using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Features.Commission;

/// <summary>Who earns: an owner kind, or the store and region parts of a split.</summary>
public enum EarnerKind { OfficialGuide, Installer, PartTimeGuide, ShareAmbassador, AllianceStore, Store, Region }

public enum CommissionLineKind { Sale, StoreShare, RegionShare, Bounty }

/// <summary>One earner's commission on one order line (or an order's new-customer bounty, line 0), with the rule
/// and version that made it. Never updated except for what refunds reversed and when it was settled; the money
/// itself moves in the ledger.</summary>
public sealed class CommissionLine : ITenantOwned
{
    private CommissionLine() { }

    public TenantId TenantId { get; private set; }
    public Guid Id { get; private set; }
    public Guid OrderId { get; private set; }
    public int LineNo { get; private set; }
    public CommissionLineKind Kind { get; private set; }
    public EarnerKind EarnerKind { get; private set; }
    public Guid EarnerId { get; private set; }
    public Guid? RuleId { get; private set; }
    public int? RuleVersion { get; private set; }
    public string? RuleName { get; private set; }
    /// <summary>The rate as shown on statements: "5%", "¥10.00/unit", "¥50.00/order", "bounty".</summary>
    public string Rate { get; private set; } = "";
    public string? Tier { get; private set; }
    public long BaseFen { get; private set; }
    public long AmountFen { get; private set; }
    public long ReversedFen { get; private set; }
    public DateTimeOffset PlacedAt { get; private set; }
    public DateTimeOffset? SettledAt { get; private set; }
    public string ExplanationZh { get; private set; } = "";
    public string ExplanationEn { get; private set; } = "";

    public string Holder => Earner.HolderOf(EarnerKind, EarnerId);

    public static CommissionLine Create(TenantId tenant, Guid order, int lineNo, CommissionLineKind kind, EarnerKind earnerKind, Guid earnerId,
        Guid? ruleId, int? ruleVersion, string? ruleName, string rate, string? tier, long baseFen, long amount, DateTimeOffset placedAt,
        string explanationZh, string explanationEn) => new()
        {
            TenantId = tenant,
            Id = Guid.CreateVersion7(),
            OrderId = order,
            LineNo = lineNo,
            Kind = kind,
            EarnerKind = earnerKind,
            EarnerId = earnerId,
            RuleId = ruleId,
            RuleVersion = ruleVersion,
            RuleName = ruleName,
            Rate = rate,
            Tier = tier,
            BaseFen = baseFen,
            AmountFen = amount,
            PlacedAt = placedAt,
            ExplanationZh = explanationZh,
            ExplanationEn = explanationEn,
        };

    public long StandingFen => AmountFen - ReversedFen;

    public void Reverse(long fen) => ReversedFen += fen;

    public void Settle(DateTimeOffset now) => SettledAt ??= now;
}

/// <summary>How earners are named in the ledger: "PartTimeGuide:{id}", "Store:{id}"; the brand's own accounts
/// are held by "Brand".</summary>
public static class Earner
{
    public const string Brand = "Brand";

    public static string HolderOf(EarnerKind kind, Guid id) => $"{kind}:{id}";

    public static EarnerKind KindOf(Attribution.OwnerKind owner) => owner switch
    {
        Attribution.OwnerKind.OfficialGuide => EarnerKind.OfficialGuide,
        Attribution.OwnerKind.Installer => EarnerKind.Installer,
        Attribution.OwnerKind.PartTimeGuide => EarnerKind.PartTimeGuide,
        Attribution.OwnerKind.ShareAmbassador => EarnerKind.ShareAmbassador,
        _ => EarnerKind.AllianceStore,
    };
}

public enum NegativeBalancePolicy { AllowNegative, CapAtBalance }

/// <summary>The brand's money settings: return window, what happens to a balance a refund would take below zero,
/// and the new-customer bounty (老带新). Changes are audited.</summary>
public sealed class CommissionSettings : ITenantOwned, Audit.IAudited
{
    private CommissionSettings() { }

    public TenantId TenantId { get; private set; }
    public int ReturnWindowDays { get; private set; } = 7;
    public NegativeBalancePolicy NegativeBalance { get; private set; }
    public long NewCustomerBountyFen { get; private set; }
    public long? BountyDailyCapFen { get; private set; }

    public string AuditKey => TenantId.ToString();

    public TimeSpan ReturnWindow => TimeSpan.FromDays(ReturnWindowDays);

    public static CommissionSettings Default(TenantId tenant) => new() { TenantId = tenant };

    public void Change(int returnWindowDays, NegativeBalancePolicy negative, long bounty, long? dailyCap)
    {
        (ReturnWindowDays, NegativeBalance, NewCustomerBountyFen, BountyDailyCapFen) = (returnWindowDays, negative, bounty, dailyCap);
    }
}
