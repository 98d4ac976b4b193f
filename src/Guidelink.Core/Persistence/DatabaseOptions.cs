namespace Guidelink.Core.Persistence;

public enum DatabaseProvider { Sqlite, Postgres }

/// <summary>Configuration keys Guidelink:Database:Provider and Guidelink:Database:ConnectionString
/// (environment: Guidelink__Database__Provider, Guidelink__Database__ConnectionString).</summary>
public sealed class DatabaseOptions
{
    public const string DefaultSqlitePath = "data/guidelink.db";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;
    public string? ConnectionString { get; set; }

    /// <summary>Guidelink:Database:TouchWriters — how many batches of touches one instance writes at once on PostgreSQL
    /// (TouchWriter); SQLite always writes one. Each batch has a fixed cost (a unit of work, its lookups, its statements),
    /// so more loops means smaller batches and more CPU per touch: on 2 cores, 1–2 loops cost ~400–450 µs of CPU per touch
    /// (process + PostgreSQL), 4 loops ~450–500 µs, 8 loops ~600 µs (bench/README.md, Connect). One loop alone is starved
    /// of CPU under load; two is the default. More cores (or a remote database, where a batch waits longer on the network)
    /// may want more.</summary>
    public int TouchWriters { get; set; } = 2;

    /// <summary>The embedded mode: SQLite file under ./data, migrated at start, demo brand seeded.</summary>
    public bool IsEmbedded => Provider == DatabaseProvider.Sqlite;

    public string EffectiveConnectionString => ConnectionString is { Length: > 0 } cs
        ? cs
        : Provider == DatabaseProvider.Sqlite
            ? $"Data Source={DefaultSqlitePath}"
            : throw new InvalidOperationException("Guidelink:Database:ConnectionString is required for PostgreSQL.");
}
