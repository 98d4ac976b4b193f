using Guidelink.Core.Features.Audit;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Features.Organization;

public enum StoreStatus { Open, Closed }

/// <summary>A physical store (门店); may be a store-in-store inside a mall.</summary>
public sealed class Store : ITenantOwned, IAudited
{
    private Store() { }

    public TenantId TenantId { get; private set; }
    public StoreId Id { get; private set; }
    public RegionId RegionId { get; private set; }
    public string Code { get; private set; } = "";
    public string Name { get; private set; } = "";
    public string? City { get; private set; }
    public string? Address { get; private set; }
    /// <summary>Set when the store is a store-in-store (店中店): the mall it stands in.</summary>
    public string? MallName { get; private set; }
    public StoreStatus Status { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }

    public string AuditKey => Id.ToString();

    public static Store Create(TenantId tenant, RegionId region, string code, string name, string? city, string? address, string? mallName, DateTimeOffset now) => new()
    {
        TenantId = tenant,
        Id = StoreId.New(),
        RegionId = region,
        Code = code.Trim(),
        Name = name.Trim(),
        City = Clean(city),
        Address = Clean(address),
        MallName = Clean(mallName),
        Status = StoreStatus.Open,
        CreatedAt = now,
    };

    public void Update(RegionId region, string code, string name, string? city, string? address, string? mallName, StoreStatus status)
    {
        RegionId = region;
        Code = code.Trim();
        Name = name.Trim();
        City = Clean(city);
        Address = Clean(address);
        MallName = Clean(mallName);
        Status = status;
    }

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
