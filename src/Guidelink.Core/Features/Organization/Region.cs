using Guidelink.Core.Features.Audit;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Features.Organization;

/// <summary>A region (区域) of a brand's org tree; it groups stores and may be run by a regional manager or agent.</summary>
public sealed class Region : ITenantOwned, IAudited
{
    private Region() { }

    public TenantId TenantId { get; private set; }
    public RegionId Id { get; private set; }
    public string Code { get; private set; } = "";
    public string Name { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }

    public string AuditKey => Id.ToString();

    public static Region Create(TenantId tenant, string code, string name, DateTimeOffset now) => new()
    {
        TenantId = tenant,
        Id = RegionId.New(),
        Code = code.Trim(),
        Name = name.Trim(),
        CreatedAt = now,
    };

    public void Rename(string code, string name)
    {
        Code = code.Trim();
        Name = name.Trim();
    }
}
