using System.Net;
using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Guidelink.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Web.Tests;

/// <summary>No brand sees or changes another brand's data, through any route.</summary>
public sealed class BrandIsolationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static async Task CreateBrandWithAdminAsync(GuidelinkInstance server, string slug, string login, string password)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var brand = await scope.ServiceProvider.GetRequiredService<CreateTenant.Handler>().HandleAsync(new CreateTenant.Request(slug, $"Brand {slug}", null), Ct);
        brand.IsOk.ShouldBeTrue();
        var tenant = new TenantId(brand.Value!.Id);
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(tenant);
        scope.ServiceProvider.GetRequiredService<ActorContext>().Current = Actor.System(tenant, "test");
        var user = await scope.ServiceProvider.GetRequiredService<CreateUser.Handler>()
            .HandleAsync(new CreateUser.Request(login, password, "ADMIN1", "Admin of " + slug, "HqAdmin", null, null), Ct);
        user.IsOk.ShouldBeTrue(string.Join("; ", user.Errors.Select(e => $"{e.Key}: {string.Join(",", e.Value)}")));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task BrandB_CanNeitherReadNorWriteBrandA_ThroughAnyRoute(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        await CreateBrandWithAdminAsync(server, "brand-b", "b-admin", "brand-b-password");
        using var a = await server.ClientAsAsync("demo-admin");
        using var b = await server.ClientAsAsync("b-admin", "brand-b-password");

        var storeOfA = await a.StoreIdAsync("SH-XH");
        var regionOfA = await a.RegionIdAsync("EAST");
        var guides = await a.GetJsonAsync("/api/org/staff?role=Guide");
        var guideOfA = guides.EnumerateArray().First().Str("id");

        // Reads: nothing of A is listed or found.
        (await b.GetJsonAsync("/api/org/stores")).GetArrayLength().ShouldBe(0);
        (await b.GetJsonAsync("/api/org/regions")).GetArrayLength().ShouldBe(0);
        (await b.GetJsonAsync("/api/org/staff")).EnumerateArray().Select(s => s.Str("employeeNo")).ShouldBe(["ADMIN1"]);
        (await b.GetJsonAsync("/api/org/tree")).GetProperty("regions").GetArrayLength().ShouldBe(0);
        await b.GetJsonAsync($"/api/org/stores/{storeOfA}", HttpStatusCode.NotFound);
        await b.GetJsonAsync($"/api/org/staff/{guideOfA}", HttpStatusCode.NotFound);
        (await b.GetJsonAsync("/api/audit")).EnumerateArray().ShouldAllBe(e => e.Str("entityId") != storeOfA);

        // Writes: every attempt fails and A's data is unchanged.
        await b.PutJsonAsync($"/api/org/stores/{storeOfA}", new { code = "SH-XH", name = "Hijacked" }, HttpStatusCode.NotFound);
        await b.PutJsonAsync($"/api/org/regions/{regionOfA}", new { code = "EAST", name = "Hijacked" }, HttpStatusCode.NotFound);
        await b.PostJsonAsync($"/api/org/staff/{guideOfA}/leave", new { }, HttpStatusCode.NotFound);
        await b.PostJsonAsync($"/api/org/staff/{guideOfA}/assignments", new { storeId = storeOfA }, HttpStatusCode.NotFound);
        (await b.PostJsonAsync("/api/org/staff", new { employeeNo = "B-G1", name = "X", role = "Guide", storeId = storeOfA }, HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["storeId"]);
        (await b.PostJsonAsync("/api/org/stores", new { regionId = regionOfA, code = "B-1", name = "X" }, HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["regionId"]);

        (await a.GetJsonAsync($"/api/org/stores/{storeOfA}")).Str("name").ShouldBe("上海徐汇旗舰店");
        (await a.GetJsonAsync($"/api/org/staff/{guideOfA}")).GetProperty("staff").Str("status").ShouldBe("Active");

        // Codes are unique per brand, not across brands: B may use A's store code for its own store.
        var regionB = await b.PostJsonAsync("/api/org/regions", new { code = "EAST", name = "B East" }, HttpStatusCode.Created);
        await b.PostJsonAsync("/api/org/stores", new { regionId = regionB.Str("id"), code = "SH-XH", name = "B's store" }, HttpStatusCode.Created);
        (await a.GetJsonAsync("/api/org/stores")).GetArrayLength().ShouldBe(6);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task ApiKeyOfBrandA_SeesOnlyBrandA(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        await CreateBrandWithAdminAsync(server, "brand-b", "b-admin", "brand-b-password");
        using var b = await server.ClientAsAsync("b-admin", "brand-b-password");
        var key = (await b.PostJsonAsync("/api/auth/api-keys", new { name = "B POS", scopes = new[] { "org.read" } }, HttpStatusCode.Created)).Str("key");

        using var pos = server.Client();
        pos.DefaultRequestHeaders.Add("X-Api-Key", key);
        (await pos.GetJsonAsync("/api/org/stores")).GetArrayLength().ShouldBe(0);
        (await pos.GetAsync("/api/org/tree", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
