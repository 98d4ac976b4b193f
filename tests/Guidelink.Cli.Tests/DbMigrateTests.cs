using Guidelink.Core.Persistence;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Cli.Tests;

public sealed class DbMigrateTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Migrate_AppliesEveryPendingMigration_OnUnmigratedDatabase(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider, migrate: false);
        List<string> pending;
        await using (var db = database.NewContext()) pending = (await db.Database.GetPendingMigrationsAsync(Ct)).ToList();
        pending.ShouldNotBeEmpty();

        var run = await CliRunner.RunAsync(database, "db", "migrate");

        run.ExitCode.ShouldBe(0, run.Error);
        run.Output.ShouldContain($"Applied {pending.Count} migration(s)");
        foreach (var name in pending) run.Output.ShouldContain(name);
        await using var after = database.NewContext();
        (await after.Tenants.CountAsync(Ct)).ShouldBe(0);
        (await after.Database.GetPendingMigrationsAsync(Ct)).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Migrate_AppliesNothing_WhenDatabaseIsUpToDate(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider, migrate: true);

        var run = await CliRunner.RunAsync(database, "db", "migrate");

        run.ExitCode.ShouldBe(0, run.Error);
        run.Output.ShouldContain("Up to date");
        run.Output.ShouldNotContain("Applied");
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task ProviderAndConnectionOptions_OverrideConfiguredDatabase(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider, migrate: false);
        // The configured database is the other provider's and must not be touched.
        var decoyFolder = Path.Combine(Path.GetTempPath(), "guidelink-tests", Guid.NewGuid().ToString("N"));
        var (decoyProvider, decoyConnection) = provider == DatabaseProvider.Sqlite
            ? (DatabaseProvider.Postgres, "Host=127.0.0.1;Port=1;Username=nobody;Timeout=2")
            : (DatabaseProvider.Sqlite, $"Data Source={Path.Combine(decoyFolder, "decoy.db")}");

        var run = await CliRunner.RunAsync(
            "db", "migrate", "--provider", provider.ToString().ToLowerInvariant(), "--connection", database.ConnectionString,
            $"--Guidelink:Database:Provider={decoyProvider}", "--Guidelink:Database:ConnectionString", decoyConnection);

        run.ExitCode.ShouldBe(0, run.Error);
        Directory.Exists(decoyFolder).ShouldBeFalse();
        await using var db = database.NewContext();
        (await db.Database.GetPendingMigrationsAsync(Ct)).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Command_FailsWithMigrateHint_WhenDatabaseIsUnmigrated(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider, migrate: false);

        var run = await CliRunner.RunAsync(database, "tenant", "create", "--slug", "acme", "--name", "Acme");

        run.ExitCode.ShouldBe(1);
        run.Error.ShouldContain("guidelink db migrate");
    }
}
