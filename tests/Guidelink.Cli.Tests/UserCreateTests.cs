using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Demo;
using Guidelink.Core.Features.Organization;
using Guidelink.Core.Persistence;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Cli.Tests;

public sealed class UserCreateTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task UserCreate_MakesLoginThatSignInAccepts(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        (await CliRunner.RunAsync(database, "tenant", "create", "--slug", "acme", "--name", "Acme")).ExitCode.ShouldBe(0);

        var run = await CliRunner.RunAsync(database, "user", "create", "--tenant", "acme", "--login", "boss",
            "--password", "correct-horse", "--employee-no", "HQ001", "--name", "老板", "--role", "HqAdmin");

        run.ExitCode.ShouldBe(0, run.Error);
        await using var db = database.NewContext();
        var brand = await db.Tenants.SingleAsync(t => t.Slug == "acme", Ct);
        var signIn = new SignIn.Handler(db);
        var signedIn = await signIn.HandleAsync(new SignIn.Request("boss", "correct-horse"), Ct);
        signedIn.ShouldNotBeNull();
        signedIn.TenantId.ShouldBe(brand.Id);
        signedIn.Role.ShouldBe(StaffRole.HqAdmin);
        signedIn.Name.ShouldBe("老板");
        (await signIn.HandleAsync(new SignIn.Request("boss", "wrong-horse"), Ct)).ShouldBeNull();
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task UserCreate_HiresGuideIntoTheStoreNamedByCode(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        (await CliRunner.RunAsync(database, "seed", "demo", "--org-only")).ExitCode.ShouldBe(0);

        var run = await CliRunner.RunAsync(database, "user", "create", "--tenant", SeedDemoBrand.Slug, "--login", "new-guide",
            "--password", "correct-horse", "--employee-no", "G900", "--name", "新导购", "--role", "guide", "--store", "SZ-NS");

        run.ExitCode.ShouldBe(0, run.Error);
        await using var platform = database.NewContext();
        var signedIn = await new SignIn.Handler(platform).HandleAsync(new SignIn.Request("new-guide", "correct-horse"), Ct);
        signedIn.ShouldNotBeNull();
        signedIn.Role.ShouldBe(StaffRole.Guide);
        await using var db = database.NewContext(signedIn.TenantId);
        var store = await db.Stores.SingleAsync(s => s.Code == "SZ-NS", Ct);
        var assignments = await db.StaffAssignments.Where(a => a.StaffId == signedIn.StaffId).ToListAsync(Ct);
        assignments.ShouldHaveSingleItem().StoreId.ShouldBe(store.Id);
    }

    [Fact]
    public async Task UserCreate_FailsNamingTheSlug_WhenBrandIsUnknown()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);

        var run = await CliRunner.RunAsync(database, "user", "create", "--tenant", "nope", "--login", "boss",
            "--password", "correct-horse", "--employee-no", "HQ001", "--name", "Boss", "--role", "HqAdmin");

        run.ExitCode.ShouldBe(1);
        run.Error.ShouldContain("no brand with slug 'nope'");
        await using var db = database.NewContext();
        (await db.UserAccounts.IgnoreQueryFilters().CountAsync(Ct)).ShouldBe(0);
    }

    [Fact]
    public async Task UserCreate_NamesEachInvalidOption_AndWritesNothing()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        (await CliRunner.RunAsync(database, "tenant", "create", "--slug", "acme", "--name", "Acme")).ExitCode.ShouldBe(0);

        var run = await CliRunner.RunAsync(database, "user", "create", "--tenant", "acme", "--login", "g1",
            "--password", "short", "--employee-no", "G1", "--name", "导购", "--role", "Guide", "--store", "NO-SUCH");

        run.ExitCode.ShouldBe(1);
        run.Error.ShouldContain("--password:");
        run.Error.ShouldContain("--store:");
        await using var db = database.NewContext();
        (await db.UserAccounts.IgnoreQueryFilters().CountAsync(Ct)).ShouldBe(0);
        (await db.Staff.IgnoreQueryFilters().CountAsync(Ct)).ShouldBe(0);
    }
}
