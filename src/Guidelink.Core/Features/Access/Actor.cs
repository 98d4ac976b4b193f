using Guidelink.Core.Features.Organization;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Features.Access;

public enum ActorKind { Staff, Partner, ApiKey, System }

/// <summary>Who is acting, for which brand, with which permissions and over which part of the org.</summary>
public sealed record Actor(
    ActorKind Kind,
    TenantId TenantId,
    string Name,
    StaffId? StaffId,
    Guid? ApiKeyId,
    StaffRole? Role,
    IReadOnlySet<string> Permissions,
    AccessScope Scope,
    string BrandName = "",
    string BrandTimeZone = Tenancy.Tenant.DefaultTimeZone,
    PartnerId? PartnerId = null)
{
    /// <summary>The brand's zone, for showing instants and counting calendar days.</summary>
    public TimeZoneInfo BrandZone => TimeZoneInfo.FindSystemTimeZoneById(BrandTimeZone);

    public bool Has(string permission) => Permissions.Contains(permission);

    /// <summary>For the CLI, the seed and jobs: the whole brand, every permission, named in the audit log.</summary>
    public static Actor System(TenantId tenant, string name) =>
        new(ActorKind.System, tenant, name, null, null, null, Access.Permissions.All.ToHashSet(), AccessScope.BrandWide);

    public string AuditId => Kind switch
    {
        ActorKind.Staff => StaffId?.ToString() ?? "",
        ActorKind.Partner => PartnerId?.ToString() ?? "",
        ActorKind.ApiKey => ApiKeyId?.ToString() ?? "",
        _ => Name,
    };
}

/// <summary>The part of the org an actor sees: HQ the brand, a regional manager their regions, a store
/// manager their stores, a guide their store (and, for customers, only their own); a partner only their own
/// customers.</summary>
public sealed record AccessScope(bool IsBrandWide, IReadOnlySet<RegionId> Regions, IReadOnlySet<StoreId> Stores, StaffId? OwnCustomersOf,
    PartnerId? OwnCustomersOfPartner = null)
{
    /// <summary>Guides and partners see only what is theirs (customers, orders, earnings).</summary>
    public bool OnlyOwn => OwnCustomersOf is not null || OwnCustomersOfPartner is not null;

    public static readonly AccessScope BrandWide = new(true, new HashSet<RegionId>(), new HashSet<StoreId>(), null);

    public bool CoversRegion(RegionId region) => IsBrandWide || Regions.Contains(region);

    public bool CoversStore(StoreId store, RegionId region) => IsBrandWide || Regions.Contains(region) || Stores.Contains(store);
}

/// <summary>Holds the actor of the current unit of work (request, CLI command, job item).</summary>
public sealed class ActorContext
{
    public Actor? Current { get; set; }
}
