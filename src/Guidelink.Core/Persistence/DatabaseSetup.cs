using Guidelink.Core.Features.Audit;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Guidelink.Core.Persistence;

public static class DatabaseSetup
{
    public const string SqliteMigrationsAssembly = "Guidelink.Migrations.Sqlite";
    public const string PostgresMigrationsAssembly = "Guidelink.Migrations.Postgres";

    private static readonly SqliteConnectionSettings SqliteSettings = new();

    /// <summary>Points the one DbContext at the configured provider and its own migrations assembly.</summary>
    public static void Configure(DbContextOptionsBuilder options, DatabaseOptions database)
    {
        var cs = database.EffectiveConnectionString;
        switch (database.Provider)
        {
            case DatabaseProvider.Sqlite:
                options.UseSqlite(PrepareSqlite(cs), o => o.MigrationsAssembly(SqliteMigrationsAssembly));
                options.AddInterceptors(SqliteSettings);
                break;
            case DatabaseProvider.Postgres:
                options.UseNpgsql(cs, o => o.MigrationsAssembly(PostgresMigrationsAssembly));
                break;
            default:
                throw new InvalidOperationException($"Unknown database provider {database.Provider}.");
        }
    }

    public static void ConfigureWithInterceptors(IServiceProvider services, DbContextOptionsBuilder options, DatabaseOptions database)
    {
        Configure(options, database);
        options.AddInterceptors(services.GetRequiredService<TenantWriteGuard>(), services.GetRequiredService<AuditTrail>(),
            services.GetRequiredService<Features.Access.ActorCacheInvalidation>());
        if (database.Provider == DatabaseProvider.Sqlite) options.AddInterceptors(new SqliteWriteGate(database.EffectiveConnectionString));
    }

    /// <summary>Creates the folder of a SQLite file and sets a generous busy timeout, so concurrent writers
    /// wait for the lock instead of failing.</summary>
    private static string PrepareSqlite(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (builder.DataSource is { Length: > 0 } path && path != ":memory:" && builder.Mode != SqliteOpenMode.Memory)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        }
        if (builder.DefaultTimeout < 30) builder.DefaultTimeout = 30;
        return builder.ToString();
    }

    /// <summary>Applies the provider's migrations. SQLite additionally switches to WAL, so readers never
    /// block the writer.</summary>
    public static async Task MigrateAsync(GuidelinkDb db, CancellationToken ct)
    {
        await db.Database.MigrateAsync(ct);
        if (db.Database.IsSqlite()) await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
    }

    /// <summary>True when PostgreSQL chose this transaction as a deadlock victim or serialization loser (40P01, 40001),
    /// possibly wrapped by EF's execution strategy: nothing was written, read again and decide again.</summary>
    public static bool IsDeadlockOrSerializationFailure(Exception exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
            if (ex is System.Data.Common.DbException { SqlState: "40P01" or "40001" }) return true;
        return false;
    }

    /// <summary>True when the database refused a write because of a unique index (a duplicate or a lost race).</summary>
    public static bool IsUniqueViolation(DbUpdateException exception) => exception.InnerException switch
    {
        SqliteException sqlite => sqlite.SqliteErrorCode == 19 && sqlite.SqliteExtendedErrorCode is 2067 or 1555,
        PostgresException pg => pg.SqlState == PostgresErrorCodes.UniqueViolation,
        _ => false,
    };
}
