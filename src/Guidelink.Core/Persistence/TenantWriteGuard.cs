using Guidelink.Core.Features.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Guidelink.Core.Persistence;

/// <summary>Stamps new brand-owned rows with the brand in scope and refuses any write to another brand's
/// rows — the write half of tenancy (the read half is the query filter).</summary>
public sealed class TenantWriteGuard(TenantContext tenant) : SaveChangesInterceptor
{
    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Check(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Check(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private void Check(DbContext? context)
    {
        if (context is null) return;
        foreach (var entry in context.ChangeTracker.Entries<ITenantOwned>())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified or EntityState.Deleted)) continue;
            var current = tenant.Current ?? throw new TenantViolationException(
                $"Refused to write {entry.Metadata.ClrType.Name}: no brand is in scope.");
            var property = entry.Property(nameof(ITenantOwned.TenantId));
            if (entry.State == EntityState.Added && Equals(property.CurrentValue, default(Shared.TenantId)))
                property.CurrentValue = current;
            else if (entry.Entity.TenantId != current || (entry.State != EntityState.Added && !Equals(property.OriginalValue, current)))
                throw new TenantViolationException($"Refused to write {entry.Metadata.ClrType.Name} of another brand.");
        }
    }
}

public sealed class TenantViolationException(string message) : InvalidOperationException(message);
