using Guidelink.Core.Shared;

namespace Guidelink.Core.Features.Tenancy;

/// <summary>A row that belongs to one brand. Its TenantId leads its primary key, unique indexes and
/// foreign keys, so the schema can later be distributed by tenant without change.</summary>
public interface ITenantOwned
{
    TenantId TenantId { get; }
}
