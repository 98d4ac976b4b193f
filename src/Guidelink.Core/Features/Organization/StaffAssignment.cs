using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Features.Organization;

/// <summary>A staff member placed in a store or a region over the half-open window [From, Until).</summary>
public sealed class StaffAssignment : ITenantOwned
{
    private StaffAssignment() { }

    public TenantId TenantId { get; private set; }
    public Guid Id { get; private set; }
    public StaffId StaffId { get; private set; }
    public RegionId? RegionId { get; private set; }
    public StoreId? StoreId { get; private set; }
    public DateTimeOffset From { get; private set; }
    public DateTimeOffset? Until { get; private set; }

    internal static StaffAssignment Open(TenantId tenant, StaffId staff, RegionId? region, StoreId? store, DateTimeOffset from) => new()
    {
        TenantId = tenant,
        Id = Guid.CreateVersion7(),
        StaffId = staff,
        RegionId = region,
        StoreId = store,
        From = from,
    };

    public bool Covers(DateTimeOffset instant) => From <= instant && (Until is null || instant < Until);

    internal void Close(DateTimeOffset at) => Until = at < From ? From : at;
}
