using System.Net;
using Guidelink.Core.Persistence;
using Guidelink.Testing;

namespace Guidelink.Web.Tests;

public sealed class PlatformTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task HealthReadinessOpenApiAndDocs_Answer(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        using var client = server.Client();

        var health = await client.GetAsync("/healthz", Ct);
        health.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetAsync("/readyz", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var openApi = await client.GetJsonAsync("/openapi/v1.json");
        openApi.GetProperty("paths").EnumerateObject().Select(p => p.Name).ShouldContain("/api/org/stores");
        var docs = await client.GetAsync("/docs/", Ct);
        docs.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await docs.Content.ReadAsStringAsync(Ct)).ShouldContain("openapi/v1.json");
        (await client.GetAsync("/api/org/stores", Ct)).Headers.GetValues("X-Request-Id").Single().ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public async Task Readiness_Returns503_WhenTheDatabaseIsUnreachable()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        // Later settings win: point this instance at a PostgreSQL port where nothing listens.
        await using var server = await GuidelinkInstance.StartAsync(database, seedDemo: false, initialize: false, extraArgs:
        [
            "--Guidelink:Database:Provider=Postgres",
            "--Guidelink:Database:ConnectionString=Host=127.0.0.1;Port=1;Username=postgres;Database=none;Timeout=2",
        ]);
        using var client = server.Client();
        (await client.GetAsync("/healthz", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetAsync("/readyz", Ct)).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
    }

    [Fact]
    public async Task TheLandingPage_LimitsFormPostsPerClient()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using var server = await GuidelinkInstance.StartAsync(database, extraArgs: ["--Guidelink:Landing:PostsPerMinutePerIp=3"]);
        using var client = server.Client();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var form = new FormUrlEncodedContent([new("phone", "13800138000")]);
            statuses.Add((await client.PostAsync("/r/anycode", form, Ct)).StatusCode);
        }
        statuses.Take(3).ShouldAllBe(s => s != HttpStatusCode.TooManyRequests);
        statuses.Skip(3).ShouldAllBe(s => s == HttpStatusCode.TooManyRequests);
        (await client.GetAsync("/healthz", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK); // only landing posts are limited
    }
}
