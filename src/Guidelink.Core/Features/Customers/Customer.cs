using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Features.Customers;

public enum Gender { Unknown, Female, Male }

/// <summary>A person connected to the brand. At any moment exactly one owner — or none, sitting in the
/// pool of their first store. Identity: phone (kept as a keyed hash plus ciphertext), WeChat union id,
/// WeChat Work external user id; each unique within the brand. Ownership changes are recorded as
/// attribution decisions; profile and tag edits go to the audit log (personal fields masked).</summary>
public sealed class Customer : ITenantOwned
{
    private Customer() { }

    public TenantId TenantId { get; private set; }
    public CustomerId Id { get; private set; }
    public string? PhoneHash { get; private set; }
    [PersonalData]
    public string? PhoneCipher { get; private set; }
    /// <summary>138****5678 — safe to show and to search by its visible parts.</summary>
    public string? PhoneMasked { get; private set; }
    public string? UnionId { get; private set; }
    public string? ExternalUserId { get; private set; }
    [PersonalData]
    public string? Name { get; private set; }
    public Gender Gender { get; private set; }
    [PersonalData]
    public DateOnly? Birthday { get; private set; }
    /// <summary>The store the customer first came to: their pool while they have no owner.</summary>
    public StoreId? HomeStoreId { get; private set; }
    public OwnerKind? OwnerKind { get; private set; }
    public Guid? OwnerId { get; private set; }
    public DateTimeOffset? OwnedSince { get; private set; }
    /// <summary>End of the protection window [OwnedSince or last renewal, ProtectedUntil).</summary>
    public DateTimeOffset? ProtectedUntil { get; private set; }
    public string? ConsentText { get; private set; }
    public DateTimeOffset? ConsentAt { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    /// <summary>Optimistic concurrency: two touches racing for one customer cannot both change the owner.</summary>
    public int Version { get; private set; }

    public Owner? Owner => OwnerKind is { } kind && OwnerId is { } id ? new Owner(kind, id) : null;

    public static Customer Create(TenantId tenant, StoreId? homeStore, DateTimeOffset now) => new()
    {
        TenantId = tenant,
        Id = CustomerId.New(),
        HomeStoreId = homeStore,
        CreatedAt = now,
    };

    public void SetPhone(string hash, string cipher, string masked)
    {
        PhoneHash = hash;
        PhoneCipher = cipher;
        PhoneMasked = masked;
    }

    public void SetWeChat(string? unionId, string? externalUserId)
    {
        if (!string.IsNullOrWhiteSpace(unionId)) UnionId = unionId.Trim();
        if (!string.IsNullOrWhiteSpace(externalUserId)) ExternalUserId = externalUserId.Trim();
    }

    public void UpdateProfile(string? name, Gender gender, DateOnly? birthday)
    {
        if (!string.IsNullOrWhiteSpace(name)) Name = name.Trim();
        if (gender != Gender.Unknown) Gender = gender;
        if (birthday is not null) Birthday = birthday;
    }

    public void RecordConsent(string text, DateTimeOffset at)
    {
        ConsentText = text;
        ConsentAt = at;
    }

    public void PlaceInStore(StoreId store) => HomeStoreId ??= store;

    internal void AssignOwner(Owner? owner, DateTimeOffset since, DateTimeOffset? protectedUntil)
    {
        OwnerKind = owner?.Kind;
        OwnerId = owner?.Id;
        OwnedSince = owner is null ? null : since;
        ProtectedUntil = owner is null ? null : protectedUntil;
        Version++;
    }

    /// <summary>Any recorded touch bumps the version, so a concurrent owner change is detected.</summary>
    internal void Touched() => Version++;

    internal void RenewProtection(DateTimeOffset until)
    {
        if (ProtectedUntil is null || until > ProtectedUntil) ProtectedUntil = until;
        Version++;
    }
}
