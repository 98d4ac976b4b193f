using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Features.Audit;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Features.Partners;

public enum PartnerKind { PartTimeGuide, ShareAmbassador, AllianceStore }

public enum PartnerStatus { Pending, Active, Frozen, Ended }

/// <summary>A store partner (门店合伙人) who is not an employee: part-time guide, share ambassador or an
/// allied store. Only an Active partner's touches can bind a customer.</summary>
public sealed class Partner : ITenantOwned, IAudited
{
    private Partner() { }

    public TenantId TenantId { get; private set; }
    public PartnerId Id { get; private set; }
    public PartnerKind Kind { get; private set; }
    [PersonalData]
    public string Name { get; private set; } = "";
    /// <summary>For an allied store: the store's own name (another brand's shop).</summary>
    public string? Organization { get; private set; }
    public string? PhoneHash { get; private set; }
    public string? PhoneMasked { get; private set; }
    public StoreId HomeStoreId { get; private set; }
    public PartnerStatus Status { get; private set; }
    /// <summary>The official account's openid transfers are paid to (bound through WeChat web authorization).</summary>
    public string? WeChatOpenId { get; private set; }
    /// <summary>The real name for transfers from ¥2,000, protected (Data Protection, purpose
    /// "guidelink/partner-real-name/v1"): the column holds ciphertext, never the name.</summary>
    [PersonalData]
    public string? RealName { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? ApprovedAt { get; private set; }

    public string AuditKey => Id.ToString();

    public Owner AsOwner => new(Kind switch
    {
        PartnerKind.PartTimeGuide => OwnerKind.PartTimeGuide,
        PartnerKind.ShareAmbassador => OwnerKind.ShareAmbassador,
        _ => OwnerKind.AllianceStore,
    }, Id.Value);

    public static Partner Register(TenantId tenant, PartnerKind kind, string name, string? organization, StoreId homeStore, DateTimeOffset now) => new()
    {
        TenantId = tenant,
        Id = PartnerId.New(),
        Kind = kind,
        Name = name.Trim(),
        Organization = string.IsNullOrWhiteSpace(organization) ? null : organization.Trim(),
        HomeStoreId = homeStore,
        Status = PartnerStatus.Pending,
        CreatedAt = now,
    };

    public void BindWeChat(string openId) => WeChatOpenId = openId;

    public void SetProtectedRealName(string cipher) => RealName = cipher;

    public void SetPhone(string hash, string masked)
    {
        PhoneHash = hash;
        PhoneMasked = masked;
    }

    /// <summary>Pending → Active; Frozen → Active. An Ended partner stays ended.</summary>
    public bool Approve(DateTimeOffset now)
    {
        if (Status is not (PartnerStatus.Pending or PartnerStatus.Frozen)) return false;
        ApprovedAt ??= now;
        Status = PartnerStatus.Active;
        return true;
    }

    public bool Freeze()
    {
        if (Status != PartnerStatus.Active) return false;
        Status = PartnerStatus.Frozen;
        return true;
    }

    public bool End()
    {
        if (Status == PartnerStatus.Ended) return false;
        Status = PartnerStatus.Ended;
        return true;
    }
}
