using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Guidelink.Core.Persistence;

/// <summary>Gives every SQLite connection a page cache that holds the working set of the hot indexes, and reads the
/// file through a memory map. With SQLite's default 2 MB cache, a batch of orders or touches re-read its index pages
/// from the operating system one <c>pread</c> at a time: in a perf profile of the batch ingest a quarter of the CPU was
/// in the kernel, much of it copying pages SQLite had just evicted. Both settings belong to the connection, not to the
/// file, so they are applied once per physical connection (pooled connections keep their handle).</summary>
public sealed class SqliteConnectionSettings : DbConnectionInterceptor
{
    /// <summary>64 MiB of page cache (a negative cache_size is in KiB), and up to 1 GiB of the file mapped.</summary>
    public const string Pragmas = "PRAGMA cache_size=-65536; PRAGMA mmap_size=1073741824;";

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
