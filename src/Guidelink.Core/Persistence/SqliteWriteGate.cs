using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Guidelink.Core.Persistence;

/// <summary>SQLite has one writer at a time; when many requests commit at once they collide on the database
/// lock and Microsoft.Data.Sqlite retries with sleeps, which made p50 latency under load hundreds of ms.
/// This gate queues SaveChanges calls of one database file in process instead, so each writer starts when
/// the previous one has committed. Writes inside an explicit transaction skip the gate (that transaction
/// already holds the database lock; waiting here could deadlock with it). Only registered for SQLite, which
/// is the single-instance embedded mode; PostgreSQL needs no gate.</summary>
public sealed class SqliteWriteGate(string connectionString) : SaveChangesInterceptor
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = Gates.GetOrAdd(connectionString, _ => new SemaphoreSlim(1, 1));
    private bool _held;

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context?.Database.CurrentTransaction is null && !_held)
        {
            await _gate.WaitAsync(cancellationToken);
            _held = true;
        }
        return result;
    }

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        if (eventData.Context?.Database.CurrentTransaction is null && !_held)
        {
            _gate.Wait();
            _held = true;
        }
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Release();
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Release();
        return result;
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Release();

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Release();
        return Task.CompletedTask;
    }

    // A lost version check ends SaveChanges with a DbUpdateConcurrencyException, which EF Core reports here and not through
    // SaveChangesFailed: without releasing here the gate stayed taken and every later write of the process waited forever.
    public override InterceptionResult ThrowingConcurrencyException(ConcurrencyExceptionEventData eventData, InterceptionResult result)
    {
        Release();
        return result;
    }

    public override ValueTask<InterceptionResult> ThrowingConcurrencyExceptionAsync(ConcurrencyExceptionEventData eventData, InterceptionResult result,
        CancellationToken cancellationToken = default)
    {
        Release();
        return ValueTask.FromResult(result);
    }

    public override void SaveChangesCanceled(DbContextEventData eventData) => Release();

    public override Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken cancellationToken = default)
    {
        Release();
        return Task.CompletedTask;
    }

    /// <summary>The gate of this context's database, if it has one (SQLite).</summary>
    public static SqliteWriteGate? Of(DbContext db) =>
        db.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.Interceptors?.OfType<SqliteWriteGate>().FirstOrDefault();

    /// <summary>Holds the gate for a whole explicit transaction that writes (its SaveChanges skip the gate, being inside a
    /// transaction): the writer then waits here instead of in SQLite's busy handler. Dispose to release.</summary>
    public IDisposable Hold()
    {
        _gate.Wait();
        return new Holder(_gate);
    }

    /// <summary><see cref="Hold"/> for async code: waits without blocking a thread-pool thread while another writer
    /// (a touch batch, the other half of an import) has the gate.</summary>
    public async Task<IDisposable> HoldAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        return new Holder(_gate);
    }

    private sealed class Holder(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) gate.Release();
        }
    }

    private void Release()
    {
        if (!_held) return;
        _held = false;
        _gate.Release();
    }
}
