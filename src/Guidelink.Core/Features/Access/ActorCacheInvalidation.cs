using System.Data.Common;
using Guidelink.Core.Features.Organization;
using Guidelink.Core.Features.Partners;
using Guidelink.Core.Features.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Guidelink.Core.Features.Access;

/// <summary>Drops the cached actors of the people a commit changes (<see cref="ActorCache"/>): staff rows (role, status),
/// their placements, logins (disabled), partners (status), API keys (revoked), and every entry when a brand's name or time
/// zone changes. It watches the rows rather than the use cases so that no writer — MarkStaffLeft, UpdateStaff,
/// AssignStaff, CreateUser, ChangePartnerStatus, the CLI, a use case added later — can forget it.
/// Entries are dropped after the commit, not before: dropped earlier, a request reading the old row between the drop
/// and the commit could put it back for a whole TTL. Inside an explicit transaction that means at its commit.
/// One instance per DbContext (scoped), so the keys it collects belong to that unit of work.</summary>
public sealed class ActorCacheInvalidation(ActorCache cache) : ISaveChangesInterceptor, IDbTransactionInterceptor
{
    private readonly HashSet<ActorCache.Key> _pending = [];
    private bool _brandChanged;

    public InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Collect(eventData.Context);
        return result;
    }

    public ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Collect(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        if (eventData.Context?.Database.CurrentTransaction is null) Flush();
        return result;
    }

    public ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context?.Database.CurrentTransaction is null) Flush();
        return ValueTask.FromResult(result);
    }

    // A failed save outside a transaction wrote nothing. Inside one, the keys stay pending for its commit (the caller may
    // retry the save within it); dropping an entry too many is harmless, keeping one too long is not.
    public void SaveChangesFailed(DbContextErrorEventData eventData)
    {
        if (eventData.Context?.Database.CurrentTransaction is null) Discard();
    }

    public Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        SaveChangesFailed(eventData);
        return Task.CompletedTask;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Flush();

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Flush();
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Discard();

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Discard();
        return Task.CompletedTask;
    }

    private void Collect(DbContext? context)
    {
        if (context is null) return;
        foreach (var entry in context.ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified or EntityState.Deleted)) continue;
            switch (entry.Entity)
            {
                case Staff s: _pending.Add(ActorCache.Key.ForStaff(s.TenantId, s.Id)); break;
                case StaffAssignment a: _pending.Add(ActorCache.Key.ForStaff(a.TenantId, a.StaffId)); break;
                case UserAccount { StaffId: { } staff } u: _pending.Add(ActorCache.Key.ForStaff(u.TenantId, staff)); break;
                case UserAccount { PartnerId: { } partner } u: _pending.Add(ActorCache.Key.ForPartner(u.TenantId, partner)); break;
                case Partner p: _pending.Add(ActorCache.Key.ForPartner(p.TenantId, p.Id)); break;
                case ApiKey k: _pending.Add(ActorCache.Key.ForApiKey(k.Prefix)); break;
                case Tenant when entry.State != EntityState.Added: _brandChanged = true; break;
            }
        }
    }

    private void Flush()
    {
        if (_brandChanged) cache.Clear();
        else if (_pending.Count > 0) cache.Invalidate(_pending);
        Discard();
    }

    private void Discard()
    {
        _pending.Clear();
        _brandChanged = false;
    }
}
