using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Features.Catalog;

/// <summary>A product category of the brand (sofa, lighting, …). Commission rules and exclusions name
/// categories by code, so an order line must name a known one.</summary>
public sealed class Category : ITenantOwned
{
    private Category() { }

    public TenantId TenantId { get; private set; }
    public string Code { get; private set; } = "";
    public string Name { get; private set; } = "";

    /// <summary>The category of imported products that carry none (e.g. the online-retail file).</summary>
    public const string General = "general";

    public static Category Create(TenantId tenant, string code, string name) => new() { TenantId = tenant, Code = code.Trim(), Name = name.Trim() };
}

/// <summary>A product (SKU) with its category. Created by the catalog, or from order lines and imports.</summary>
public sealed class Product : ITenantOwned
{
    private Product() { }

    public TenantId TenantId { get; private set; }
    public string Sku { get; private set; } = "";
    public string Name { get; private set; } = "";
    public string CategoryCode { get; private set; } = "";

    public static Product Create(TenantId tenant, string sku, string name, string category) =>
        new() { TenantId = tenant, Sku = sku.Trim(), Name = name.Trim(), CategoryCode = category };
}
