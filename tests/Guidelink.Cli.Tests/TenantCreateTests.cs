using Guidelink.Core.Persistence;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Cli.Tests;

public sealed class TenantCreateTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task TenantCreate_CreatesBrand_ThenRefusesDuplicateSlugNamingIt(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);

        var created = await CliRunner.RunAsync(database, "tenant", "create", "--slug", "acme", "--name", "Acme 家居", "--time-zone", "Asia/Urumqi");
        var duplicate = await CliRunner.RunAsync(database, "tenant", "create", "--slug", "acme", "--name", "Another");

        created.ExitCode.ShouldBe(0, created.Error);
        created.Output.ShouldContain("acme");
        duplicate.ExitCode.ShouldBe(1);
        duplicate.Error.ShouldContain("'acme'");
        await using var db = database.NewContext();
        var brand = await db.Tenants.SingleAsync(Ct);
        (brand.Slug, brand.Name, brand.TimeZone).ShouldBe(("acme", "Acme 家居", "Asia/Urumqi"));
    }

    [Fact]
    public async Task TenantCreate_InvalidInput_NamesEachOffendingOption_AndWritesNothing()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);

        var run = await CliRunner.RunAsync(database, "tenant", "create", "--slug", "Acme!", "--name", "Acme", "--time-zone", "Mars/Olympus");

        run.ExitCode.ShouldBe(1);
        run.Error.ShouldContain("--slug:");
        run.Error.ShouldContain("--time-zone: 'Mars/Olympus'");
        run.Error.ShouldNotContain("--name:");
        await using var db = database.NewContext();
        (await db.Tenants.CountAsync(Ct)).ShouldBe(0);
    }
}
