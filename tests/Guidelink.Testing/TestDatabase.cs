using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Audit;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Guidelink.Testing;

/// <summary>A fresh, real database of one provider: a SQLite file in a temp folder, or a new database on
/// the test PostgreSQL server. Migrated with the provider's own chain (never EnsureCreated).</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string? _folder;

    private TestDatabase(DatabaseProvider provider, string connectionString, string? folder)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _folder = folder;
    }

    public DatabaseProvider Provider { get; }
    public string ConnectionString { get; }
    public DatabaseOptions Options => new() { Provider = Provider, ConnectionString = ConnectionString };

    /// <summary>Command-line style settings for a server instance or the CLI pointing at this database.</summary>
    public string[] Args =>
    [
        $"--Guidelink:Database:Provider={Provider}",
        $"--Guidelink:Database:ConnectionString={ConnectionString}",
        "--Guidelink:Database:MigrateAtStart=true",
        $"--Guidelink:MasterKey={MasterKeyBase64}",
    ];

    /// <summary>One master key for every instance on the same database, as in production.</summary>
    public string MasterKeyBase64 { get; } = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public static async Task<TestDatabase> CreateAsync(DatabaseProvider provider, bool migrate = true)
    {
        TestDatabase database;
        if (provider == DatabaseProvider.Sqlite)
        {
            var folder = Path.Combine(Path.GetTempPath(), "guidelink-tests", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            database = new TestDatabase(provider, $"Data Source={Path.Combine(folder, "test.db")}", folder);
        }
        else
        {
            database = new TestDatabase(provider, await PostgresServer.CreateDatabaseAsync(), null);
        }
        if (migrate)
        {
            await using var db = database.NewContext();
            await DatabaseSetup.MigrateAsync(db, CancellationToken.None);
        }
        return database;
    }

    /// <summary>A context acting for <paramref name="tenant"/> (or for no brand), with the real interceptors, and
    /// <paramref name="observer"/> after them if given (a test that watches the commands sent).</summary>
    public GuidelinkDb NewContext(TenantId? tenant = null, TimeProvider? clock = null, Actor? actor = null,
        Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor? observer = null)
    {
        var tenantContext = new TenantContext();
        if (tenant is { } t) tenantContext.Set(t);
        var actors = new ActorContext { Current = actor ?? (tenant is { } at ? Actor.System(at, "test") : null) };
        var options = new DbContextOptionsBuilder<GuidelinkDb>();
        DatabaseSetup.Configure(options, Options);
        options.AddInterceptors(new TenantWriteGuard(tenantContext), new AuditTrail(actors, clock ?? new FakeTimeProvider(DateTimeOffset.UtcNow)));
        if (observer is not null) options.AddInterceptors(observer);
        return new GuidelinkDb(options.Options, tenantContext);
    }

    public ValueTask DisposeAsync()
    {
        if (Provider == DatabaseProvider.Sqlite)
        {
            using var connection = new Microsoft.Data.Sqlite.SqliteConnection(ConnectionString);
            Microsoft.Data.Sqlite.SqliteConnection.ClearPool(connection);
        }
        if (_folder is not null)
        {
            try { Directory.Delete(_folder, recursive: true); }
            catch (IOException) { /* a file still open on another thread; the temp folder is cleaned later */ }
        }
        return ValueTask.CompletedTask;
    }
}
