using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Guidelink.Core.Persistence;

/// <summary>Gives every SQLite connection a larger page cache and reads the file through a memory map; a new file also gets
/// larger pages. With SQLite's default 2 MB cache and no map, a batch of orders or touches re-read its index pages from
/// the operating system one <c>pread</c> at a time: in a perf profile of the batch ingest a quarter of the CPU was in the
/// kernel, much of it copying pages SQLite had just evicted. The cache and the map belong to the connection, not to the
/// file, so they are applied once per physical connection (pooled connections keep their handle); the page size is the
/// file's, and is set by the first connection that opens a file without tables.</summary>
public sealed class SqliteConnectionSettings : DbConnectionInterceptor
{
    /// <summary>16 MiB of page cache (a negative cache_size is in KiB) and up to 1 GiB of the file mapped. The map does the
    /// work: reads then need no system call and no copy, and the mapped pages are the operating system's page cache,
    /// shared by all connections. 64 MiB of cache measured the same as 16 (5,131 / 4,793 against 5,233 / 4,916 orders/s),
    /// and each pooled connection keeps its own cache, so the smaller one.
    /// A new database file also gets 16 KiB pages instead of 4 KiB: a batch of orders adds some fifty index entries per
    /// order across eight tables, and with four times the entries per page SQLite descends, splits and rebalances its
    /// B-trees far less often — the batch ingest ran 8–25 % faster in five alternated pairs (bench/README.md), the touches
    /// the same. <c>page_size</c> only acts on a file that has no table yet: an existing database keeps its pages.</summary>
    public const string Pragmas = "PRAGMA cache_size=-16384; PRAGMA mmap_size=1073741824; PRAGMA page_size=16384;";

    private static readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> Applied = [];

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    public static void Apply(DbConnection connection)
    {
        if (connection is not SqliteConnection { Handle: { } handle } sqlite || Applied.TryGetValue(handle, out _)) return;
        using (var command = sqlite.CreateCommand())
        {
            command.CommandText = Pragmas;
            command.ExecuteNonQuery();
        }
        Applied.AddOrUpdate(handle, handle);
    }
}
