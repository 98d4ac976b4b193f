using Guidelink.Core.Features.Access;
using Guidelink.Core.Persistence;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Cli.Tests;

public sealed class ApiKeyCreateTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task ApiKeyCreate_PrintsKeyOnce_ThatAuthenticatesWithExactlyTheGivenScopes(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        (await CliRunner.RunAsync(database, "tenant", "create", "--slug", "acme", "--name", "Acme")).ExitCode.ShouldBe(0);

        var run = await CliRunner.RunAsync(database, "apikey", "create", "--tenant", "acme", "--name", "POS", "--scopes", "orders.write,touches.write");

        run.ExitCode.ShouldBe(0, run.Error);
        run.Output.ShouldContain("cannot be shown again");
        var key = run.Output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("glk_", StringComparison.Ordinal)).ShouldHaveSingleItem();
        run.Output.Split(key).Length.ShouldBe(2);
        await using var db = database.NewContext();
        var brand = await db.Tenants.SingleAsync(t => t.Slug == "acme", Ct);
        var actor = await ActorFactory.ForApiKeyAsync(db, key, Ct);
        actor.ShouldNotBeNull();
        actor.TenantId.ShouldBe(brand.Id);
        actor.Permissions.Order(StringComparer.Ordinal).ShouldBe(["orders.write", "touches.write"]);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task ApiKeyCreate_UnknownScope_FailsNamingScopes_AndWritesNothing(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        (await CliRunner.RunAsync(database, "tenant", "create", "--slug", "acme", "--name", "Acme")).ExitCode.ShouldBe(0);

        var run = await CliRunner.RunAsync(database, "apikey", "create", "--tenant", "acme", "--name", "POS", "--scopes", "orders.write,orders.delete");

        run.ExitCode.ShouldBe(1);
        run.Error.ShouldContain("--scopes: 'orders.delete'");
        run.Output.ShouldNotContain("glk_");
        await using var db = database.NewContext();
        (await db.ApiKeys.IgnoreQueryFilters().CountAsync(Ct)).ShouldBe(0);
        (await db.AuditEntries.IgnoreQueryFilters().CountAsync(Ct)).ShouldBe(0);
    }

    [Fact]
    public async Task ApiKeyCreate_FailsNamingTheSlug_WhenBrandIsUnknown()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);

        var run = await CliRunner.RunAsync(database, "apikey", "create", "--tenant", "nope", "--name", "POS", "--scopes", "orders.write");

        run.ExitCode.ShouldBe(1);
        run.Error.ShouldContain("no brand with slug 'nope'");
        run.Output.ShouldNotContain("glk_");
    }
}
