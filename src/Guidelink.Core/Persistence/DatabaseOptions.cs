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
    /// (TouchWriter); SQLite always writes one.</summary>
    public int TouchWriters { get; set; } = 4;

    /// <summary>The embedded mode: SQLite file under ./data, migrated at start, demo brand seeded.</summary>
    public bool IsEmbedded => Provider == DatabaseProvider.Sqlite;

    public string EffectiveConnectionString => ConnectionString is { Length: > 0 } cs
        ? cs
        : Provider == DatabaseProvider.Sqlite
            ? $"Data Source={DefaultSqlitePath}"
            : throw new InvalidOperationException("Guidelink:Database:ConnectionString is required for PostgreSQL.");
}
