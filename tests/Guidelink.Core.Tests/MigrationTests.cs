using Guidelink.Core.Features.Demo;
using Guidelink.Core.Persistence;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Core.Tests;

public sealed class MigrationTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task MigrationChain_AppliesToAFreshDatabase_AndLeavesNoPendingModelChanges(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider, migrate: false);
        await using var db = database.NewContext();

        (await db.Database.GetPendingMigrationsAsync(TestContext.Current.CancellationToken)).ShouldNotBeEmpty();
        await DatabaseSetup.MigrateAsync(db, TestContext.Current.CancellationToken);

        (await db.Database.GetPendingMigrationsAsync(TestContext.Current.CancellationToken)).ShouldBeEmpty();
        db.Database.HasPendingModelChanges().ShouldBeFalse(
            $"The model differs from the {provider} migrations: run `dotnet ef migrations add` in src/Guidelink.Migrations.{provider}.");
        (await db.Tenants.CountAsync(TestContext.Current.CancellationToken)).ShouldBe(0);
    }

    /// <summary>Platform tables resolve a brand from outside; they alone may have keys that do not lead with TenantId.</summary>
    private static readonly HashSet<string> PlatformUniqueIndexes = ["IX_UserAccounts_LoginName", "IX_ApiKeys_Prefix", "IX_ReferralCodes_Code"];

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task EveryBrandOwnedTable_LeadsItsKeysWithTenantId(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider, migrate: false);
        await using var db = database.NewContext();
        var problems = new List<string>();
        foreach (var entity in db.Model.GetEntityTypes().Where(e => e.FindProperty("TenantId") is not null))
        {
            var table = entity.GetTableName();
            if (entity.FindPrimaryKey()!.Properties[0].Name != "TenantId") problems.Add($"{table}: primary key");
            foreach (var index in entity.GetIndexes().Where(i => i.IsUnique && !PlatformUniqueIndexes.Contains(i.GetDatabaseName()!)))
                if (index.Properties[0].Name != "TenantId") problems.Add($"{table}: unique index {index.GetDatabaseName()}");
            foreach (var fk in entity.GetForeignKeys())
                if (fk.Properties[0].Name != "TenantId") problems.Add($"{table}: foreign key to {fk.PrincipalEntityType.GetTableName()}");
        }
        problems.ShouldBeEmpty();
        db.Model.GetEntityTypes().Count(e => e.FindProperty("TenantId") is not null).ShouldBeGreaterThan(5);
    }

    /// <summary>KeysInsideAggregates, both ways, on a database that has a ledger (the demo brand's orders, settlements,
    /// refunds and payouts): going back restores the three keys inside an aggregate (which the rows satisfy) and the three
    /// ledger indexes, going forward again drops them, and every row is kept each way. On SQLite OrderLines is rebuilt by
    /// hand-written SQL, so this is the test of that SQL. (The rows are written under the new schema: without the keys
    /// in the model EF no longer orders a posting's insert before its entries', which only the old schema would refuse.)</summary>
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task KeysInsideAggregates_KeepsEveryRow_BothWays(DatabaseProvider provider)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await TestDatabase.CreateAsync(provider);
        await using (var services = new TestServices(database))
        {
            var tenant = await services.SeedDemoBrandAsync(ct);
            await using var scope = services.ScopeFor(tenant);
            await scope.ServiceProvider.GetRequiredService<SeedDemoActivity.Handler>().HandleAsync(tenant, ct);
        }
        await using var db = database.NewContext();
        var migrator = db.GetService<IMigrator>();
        var rows = await RowsAsync(db);
        rows.Lines.ShouldBeGreaterThan(100);
        rows.Entries.ShouldBeGreaterThan(100);
        (await KeysAsync(db, provider)).ShouldBeEmpty();
        (await LedgerIndexesAsync(db, provider)).ShouldBe(["IX_LedgerEntries_TenantId_Holder_Seq"]);

        await migrator.MigrateAsync("LeanerTouchIndexes", ct);
        (await RowsAsync(db)).ShouldBe(rows);
        (await KeysAsync(db, provider)).ShouldBe(["CommissionLines→Orders", "LedgerEntries→LedgerPostings", "OrderLines→Orders"]);
        (await LedgerIndexesAsync(db, provider)).Count.ShouldBe(4);

        await migrator.MigrateAsync(null, ct);
        (await RowsAsync(db)).ShouldBe(rows);
        (await KeysAsync(db, provider)).ShouldBeEmpty();
        (await LedgerIndexesAsync(db, provider)).ShouldBe(["IX_LedgerEntries_TenantId_Holder_Seq"]);
    }

    private sealed record Rows(int Lines, long LinesPaidFen, int Commission, long CommissionFen, int Entries, long EntriesFen, long EntriesAbsFen);

    private static async Task<Rows> RowsAsync(GuidelinkDb db) => new(
        await db.OrderLines.IgnoreQueryFilters().CountAsync(), await db.OrderLines.IgnoreQueryFilters().SumAsync(l => l.PaidFen),
        await db.CommissionLines.IgnoreQueryFilters().CountAsync(), await db.CommissionLines.IgnoreQueryFilters().SumAsync(c => c.AmountFen),
        await db.LedgerEntries.IgnoreQueryFilters().CountAsync(), await db.LedgerEntries.IgnoreQueryFilters().SumAsync(e => e.AmountFen),
        await db.LedgerEntries.IgnoreQueryFilters().SumAsync(e => e.AmountFen < 0 ? -e.AmountFen : e.AmountFen));

    /// <summary>The foreign keys of the three tables, as "child→parent", sorted.</summary>
    private static async Task<List<string>> KeysAsync(GuidelinkDb db, DatabaseProvider provider)
    {
        var sql = provider == DatabaseProvider.Sqlite
            ? """
              SELECT t.name || '→' || f."table" AS "Value" FROM sqlite_master t, pragma_foreign_key_list(t.name) f
              WHERE t.type = 'table' AND t.name IN ('OrderLines', 'CommissionLines', 'LedgerEntries') GROUP BY t.name, f.id
              """
            : """
              SELECT c.conrelid::regclass::text || '→' || c.confrelid::regclass::text AS "Value" FROM pg_constraint c
              WHERE c.contype = 'f' AND c.conrelid::regclass::text IN ('"OrderLines"', '"CommissionLines"', '"LedgerEntries"')
              """;
        return (await db.Database.SqlQueryRaw<string>(sql).ToListAsync()).Select(k => k.Replace("\"", "", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
    }

    private static async Task<List<string>> LedgerIndexesAsync(GuidelinkDb db, DatabaseProvider provider) =>
        (await db.Database.SqlQueryRaw<string>(provider == DatabaseProvider.Sqlite
            ? "SELECT name AS \"Value\" FROM sqlite_master WHERE type = 'index' AND tbl_name = 'LedgerEntries' AND name LIKE 'IX_%'"
            : "SELECT indexname AS \"Value\" FROM pg_indexes WHERE tablename = 'LedgerEntries' AND indexname LIKE 'IX_%'").ToListAsync())
        .Order(StringComparer.Ordinal).ToList();
}
