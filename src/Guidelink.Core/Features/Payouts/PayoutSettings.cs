using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Features.Payouts;

/// <summary>A brand's payout policy and (encrypted) merchant settings. Not <see cref="Audit.IAudited"/>: the automatic
/// trail would copy the merchant ciphertext into the audit log; <see cref="SavePayoutSettings"/> writes an explicit
/// audit line with the non-secret fields instead.</summary>
public sealed class PayoutSettings : ITenantOwned
{
    public const string Manual = "Manual";
    public const string WeChatPayTransfer = "WeChatPayTransfer";
    /// <summary>WeChat Pay requires the payee's real name from ¥2,000 (on the transfer amount).</summary>
    public const long RealNameThresholdFen = 200_000;

    private PayoutSettings() { }

    public TenantId TenantId { get; private set; }
    public string Provider { get; private set; } = Manual;
    public long MinimumFen { get; private set; } = 100;
    /// <summary>Withdrawal fee on the gross, in basis points, charged only on success.</summary>
    public int FeeBasisPoints { get; private set; }
    /// <summary>Most an earner may request per brand calendar day (gross); null = no cap.</summary>
    public long? DailyCapFen { get; private set; }
    /// <summary>Tax withheld on partners' pay (part-time workers): this rate on the part of the gross above
    /// <see cref="TaxThresholdFen"/>; 0 = no withholding. Employees' pay goes through payroll, not here.</summary>
    public int TaxBasisPoints { get; private set; }
    public long TaxThresholdFen { get; private set; }
    /// <summary>Gross below this is approved automatically.</summary>
    public long AutoApproveBelowFen { get; private set; } = 50_000;
    /// <summary>Gross from this needs two different approvers.</summary>
    public long DualApprovalFromFen { get; private set; } = 500_000;
    /// <summary>The PayoutMerchant as JSON, protected with Data Protection (keys encrypted under the master key).</summary>
    public string? MerchantCipher { get; private set; }
    public DateTimeOffset? MerchantUpdatedAt { get; private set; }

    public static PayoutSettings Default(TenantId tenant) => new() { TenantId = tenant };

    public void Change(string provider, long minimum, int feeBp, long? dailyCap, int taxBp, long taxThreshold, long autoBelow, long dualFrom) =>
        (Provider, MinimumFen, FeeBasisPoints, DailyCapFen, TaxBasisPoints, TaxThresholdFen, AutoApproveBelowFen, DualApprovalFromFen) =
        (provider, minimum, feeBp, dailyCap, taxBp, taxThreshold, autoBelow, dualFrom);

    public void SetMerchant(string cipher, DateTimeOffset now) => (MerchantCipher, MerchantUpdatedAt) = (cipher, now);

    /// <summary>Tax and fee on a gross amount, both half up (docs/decisions/0001): tax only for partners' pay.</summary>
    public (long Tax, long Fee) Deductions(long gross, bool withholdTax)
    {
        var tax = withholdTax && TaxBasisPoints > 0 && gross > TaxThresholdFen
            ? Rounding.ApplyBasisPoints(new Money(gross - TaxThresholdFen), TaxBasisPoints).Fen : 0;
        var fee = Rounding.ApplyBasisPoints(new Money(gross), FeeBasisPoints).Fen;
        return (tax, fee);
    }

    public int ApprovalsFor(long gross) => gross < AutoApproveBelowFen ? 0 : gross < DualApprovalFromFen ? 1 : 2;
}
