using Guidelink.Core.Features.Demo;
using Guidelink.Core.Features.Organization;
using Guidelink.Core.Persistence;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Cli.Tests;

public sealed class SeedDemoTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task SeedDemo_Twice_CreatesOneBrandWithSixStoresAndTwentyFourGuides(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);

        var first = await CliRunner.RunAsync(database, "seed", "demo");
        var second = await CliRunner.RunAsync(database, "seed", "demo");

        first.ExitCode.ShouldBe(0, first.Error);
        second.ExitCode.ShouldBe(0, second.Error);
        first.Output.ShouldContain("seeded");
        second.Output.ShouldContain("already present");
        await using var platform = database.NewContext();
        var brands = await platform.Tenants.Where(t => t.Slug == SeedDemoBrand.Slug).ToListAsync(Ct);
        brands.Count.ShouldBe(1);
        await using var db = database.NewContext(brands[0].Id);
        (await db.Stores.CountAsync(Ct)).ShouldBe(6);
        (await db.Staff.CountAsync(s => s.Role == StaffRole.Guide, Ct)).ShouldBe(24);
    }

    [Fact]
    public async Task SeedDemo_PrintsEveryDemoLoginAndThePassword()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);

        var run = await CliRunner.RunAsync(database, "seed", "demo");

        run.ExitCode.ShouldBe(0, run.Error);
        run.Output.ShouldContain(SeedDemoBrand.Password);
        foreach (var login in SeedDemoBrand.Logins)
            run.Output.Split('\n').ShouldContain(line => line.Contains(login.Login, StringComparison.Ordinal) && line.Contains(login.Who, StringComparison.Ordinal));
        // Not a terminal: no colour or cursor escape codes.
        run.Output.ShouldNotContain("\u001b[");
    }
}
