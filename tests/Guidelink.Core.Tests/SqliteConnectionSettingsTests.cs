using Guidelink.Core.Persistence;
using Guidelink.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Core.Tests;

/// <summary>Every SQLite connection the product opens gets the larger page cache and the memory map, the pooled ones too
/// (the settings belong to a connection, and a pooled connection is reused without being opened anew by SQLite); a new
/// database file gets 16 KiB pages, an existing one keeps its own.</summary>
public sealed class SqliteConnectionSettingsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ContextsOfTheServerAndOfTests_OpenConnectionsWithTheCacheAndTheMemoryMap()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using var services = new TestServices(database);
        var tenant = await services.SeedDemoBrandAsync(Ct);
        for (var round = 0; round < 3; round++) // the second and third open get a pooled connection
        {
            await using var scope = services.ScopeFor(tenant);
            var db = scope.ServiceProvider.GetRequiredService<GuidelinkDb>();
            (await PragmaAsync(db, "cache_size")).ShouldBe(-16384);
            (await PragmaAsync(db, "mmap_size")).ShouldBe(1073741824);
        }
        await using var plain = database.NewContext(tenant);
        (await PragmaAsync(plain, "cache_size")).ShouldBe(-16384);
    }

    [Fact]
    public async Task ANewDatabase_Has16KiBPages_AndAnExistingOneKeepsItsOwn()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using var services = new TestServices(database);
        var tenant = await services.SeedDemoBrandAsync(Ct);
        await using (var db = database.NewContext(tenant))
            (await PragmaAsync(db, "page_size")).ShouldBe(16384); // created and migrated through the product's connections

        // A file made elsewhere with SQLite's default 4 KiB pages and a table in it: the setting must leave it as it is.
        var file = Path.Combine(Path.GetTempPath(), $"gl-pages-{Guid.NewGuid():N}.db");
        try
        {
            await using (var made = new SqliteConnection($"Data Source={file};Pooling=False"))
            {
                await made.OpenAsync(Ct);
                await using var create = made.CreateCommand();
                create.CommandText = "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (42);";
                await create.ExecuteNonQueryAsync(Ct);
            }
            await using var opened = new SqliteConnection($"Data Source={file};Pooling=False");
            await opened.OpenAsync(Ct);
            SqliteConnectionSettings.Apply(opened);
            await using var read = opened.CreateCommand();
            read.CommandText = "PRAGMA page_size";
            Convert.ToInt64(await read.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture).ShouldBe(4096);
            read.CommandText = "SELECT x FROM t";
            Convert.ToInt64(await read.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture).ShouldBe(42);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            File.Delete(file);
        }
    }

    private static async Task<long> PragmaAsync(GuidelinkDb db, string name)
    {
        await db.Database.OpenConnectionAsync(Ct);
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = $"PRAGMA {name}";
            return Convert.ToInt64(await command.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
