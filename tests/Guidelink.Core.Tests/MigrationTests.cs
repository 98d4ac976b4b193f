using Guidelink.Core.Persistence;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;

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
}
