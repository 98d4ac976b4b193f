using Guidelink.Core.Persistence;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Core.Tests;

/// <summary>Every SQLite connection the product opens gets the larger page cache and the memory map, the pooled ones too
/// (the settings belong to a connection, and a pooled connection is reused without being opened anew by SQLite).</summary>
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
