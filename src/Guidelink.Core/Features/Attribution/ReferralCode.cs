using System.Security.Cryptography;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Features.Attribution;

/// <summary>A referral code in the platform directory: codes are unique across brands, so /r/{code} and
/// WeChat Work's "contact me" state (≤ 30 characters) find the brand and the owner without more context.
/// A code names its owner and may also name a campaign material or an event.</summary>
public sealed class ReferralCode : ITenantOwned
{
    public const int Length = 10;
    private const string Alphabet = "abcdefghjkmnpqrstuvwxyz23456789";

    private ReferralCode() { }

    public TenantId TenantId { get; private set; }
    public string Code { get; private set; } = "";
    public OwnerKind OwnerKind { get; private set; }
    public Guid OwnerId { get; private set; }
    public string? Campaign { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? DisabledAt { get; private set; }

    public Owner Owner => new(OwnerKind, OwnerId);

    /// <summary>10 characters from a 31-letter alphabet without look-alikes (≈ 49 bits): short, unguessable.</summary>
    public static ReferralCode Create(TenantId tenant, Owner owner, string? campaign, DateTimeOffset now) => new()
    {
        TenantId = tenant,
        Code = RandomNumberGenerator.GetString(Alphabet, Length),
        OwnerKind = owner.Kind,
        OwnerId = owner.Id,
        Campaign = string.IsNullOrWhiteSpace(campaign) ? null : campaign.Trim(),
        CreatedAt = now,
    };

    public static string Normalize(string code) => code.Trim().ToLowerInvariant();
}
