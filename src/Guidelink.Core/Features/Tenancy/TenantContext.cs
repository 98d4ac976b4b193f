using Guidelink.Core.Shared;

namespace Guidelink.Core.Features.Tenancy;

/// <summary>The brand the current unit of work acts for: set once per request (from the signed-in
/// principal or API key), per CLI command or per job item. Reads are filtered by it and writes checked
/// against it; with no brand set, brand-owned tables read as empty and refuse writes.</summary>
public sealed class TenantContext
{
    public TenantId? Current { get; private set; }

    public TenantId Required => Current ?? throw new InvalidOperationException("No brand is in scope for this unit of work.");

    public void Set(TenantId tenant)
    {
        if (Current is { } existing && existing != tenant)
            throw new InvalidOperationException("This unit of work already acts for another brand.");
        Current = tenant;
    }
}
