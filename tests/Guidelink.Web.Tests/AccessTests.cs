using System.Net;
using System.Net.Http.Json;
using Guidelink.Core.Persistence;
using Guidelink.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Guidelink.Web.Tests;

/// <summary>Who may do what: roles map to permissions, and each person sees only their part of the org.</summary>
public sealed class AccessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task EachRole_SeesItsOwnPartOfTheOrg(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);

        async Task<List<string>> StoresSeenBy(string login)
        {
            using var client = await server.ClientAsAsync(login);
            return (await client.GetJsonAsync("/api/org/stores")).EnumerateArray().Select(s => s.Str("code")).Order(StringComparer.Ordinal).ToList();
        }

        (await StoresSeenBy("demo-admin")).Count.ShouldBe(6);
        (await StoresSeenBy("demo-east")).ShouldBe(["HZ-XH", "SH-PD", "SH-XH"]);
        (await StoresSeenBy("demo-store")).ShouldBe(["SH-XH"]);
        (await StoresSeenBy("demo-guide")).ShouldBe(["SH-XH"]);
        (await StoresSeenBy("demo-auditor")).Count.ShouldBe(6);

        using var storeManager = await server.ClientAsAsync("demo-store");
        using var admin = await server.ClientAsAsync("demo-admin");
        var guangzhou = await admin.StoreIdAsync("GZ-TH");
        await storeManager.GetJsonAsync($"/api/org/stores/{guangzhou}", HttpStatusCode.NotFound);
        var staffSeen = await storeManager.GetJsonAsync("/api/org/staff");
        staffSeen.GetArrayLength().ShouldBe(6); // the manager, 4 guides, 1 installer of SH-XH
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task WritesNeedThePermission_AndTheScope(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        using var admin = await server.ClientAsAsync("demo-admin");
        var east = await admin.RegionIdAsync("EAST");
        var south = await admin.RegionIdAsync("SOUTH");
        var xuhui = await admin.StoreIdAsync("SH-XH");
        var guangzhou = await admin.StoreIdAsync("GZ-TH");
        var newStore = new { regionId = east, code = "NEW-1", name = "新店" };

        using (var guide = await server.ClientAsAsync("demo-guide"))
            (await guide.PostAsJsonAsync("/api/org/stores", newStore, Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using (var auditor = await server.ClientAsAsync("demo-auditor"))
        {
            (await auditor.PostAsJsonAsync("/api/org/stores", newStore, Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            (await auditor.GetAsync("/api/audit", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        using (var finance = await server.ClientAsAsync("demo-finance"))
        {
            (await finance.PostAsJsonAsync("/api/org/staff", new { employeeNo = "F9", name = "X", role = "Guide", storeId = xuhui }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            (await finance.GetAsync("/api/audit", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        using (var east_ = await server.ClientAsAsync("demo-east"))
        {
            // A regional manager opens stores in their region, not in another.
            await east_.PostJsonAsync("/api/org/stores", newStore, HttpStatusCode.Created);
            var other = await east_.PostJsonAsync("/api/org/stores", new { regionId = south, code = "NEW-2", name = "别区新店" }, HttpStatusCode.BadRequest);
            other.ErrorFields().ShouldBe(["regionId"]);
            (await east_.PostAsJsonAsync("/api/org/regions", new { code = "NORTH", name = "华北区" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        }
        using (var storeManager = await server.ClientAsAsync("demo-store"))
        {
            // A store manager hires guides for their own store only, and no HQ roles.
            await storeManager.PostJsonAsync("/api/org/staff", new { employeeNo = "G777", name = "新导购", role = "Guide", storeId = xuhui }, HttpStatusCode.Created);
            (await storeManager.PostJsonAsync("/api/org/staff", new { employeeNo = "G778", name = "X", role = "Guide", storeId = guangzhou }, HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["storeId"]);
            (await storeManager.PostJsonAsync("/api/org/staff", new { employeeNo = "HQ9", name = "X", role = "HqAdmin" }, HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["role"]);
            (await storeManager.PutAsJsonAsync($"/api/org/stores/{guangzhou}", new { code = "GZ-TH", name = "改名" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        }
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task SignIn_RejectsWrongPasswords_AndRequestsWithoutCredentials(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        using var anonymous = server.Client();

        (await anonymous.PostAsJsonAsync("/api/auth/token", new { login = "demo-admin", password = "wrong-password" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.PostAsJsonAsync("/api/auth/token", new { login = "nobody", password = "guidelink-demo" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.GetAsync("/api/org/stores", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        anonymous.DefaultRequestHeaders.Authorization = new("Bearer", "forged-token");
        (await anonymous.GetAsync("/api/org/stores", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task ApiKeys_CarryExactlyTheirScopes(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        using var admin = await server.ClientAsAsync("demo-admin");

        var bad = await admin.PostJsonAsync("/api/auth/api-keys", new { name = "POS", scopes = new[] { "org.read", "root" } }, HttpStatusCode.BadRequest);
        bad.ErrorFields().ShouldBe(["scopes"]);
        var issued = await admin.PostJsonAsync("/api/auth/api-keys", new { name = "门店 POS", scopes = new[] { "org.read" } }, HttpStatusCode.Created);
        var key = issued.Str("key");
        key.ShouldStartWith("glk_");

        using var pos = server.Client();
        pos.DefaultRequestHeaders.Add("X-Api-Key", key);
        (await pos.GetJsonAsync("/api/org/stores")).GetArrayLength().ShouldBe(6);
        (await pos.PostAsJsonAsync("/api/org/regions", new { code = "X", name = "X" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var me = await pos.GetJsonAsync("/api/auth/me");
        me.Str("kind").ShouldBe("ApiKey");

        using var forged = server.Client();
        forged.DefaultRequestHeaders.Add("X-Api-Key", key[..^1] + (key[^1] == 'a' ? 'b' : 'a'));
        (await forged.GetAsync("/api/org/stores", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task AGuideWhoLeaves_LosesAccessAtOnce(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        using var admin = await server.ClientAsAsync("demo-admin");
        using var guide = await server.ClientAsAsync("demo-guide");
        var me = await guide.GetJsonAsync("/api/auth/me");

        await admin.PostJsonAsync($"/api/org/staff/{me.Str("staffId")}/leave", new { }, HttpStatusCode.OK);

        (await guide.GetAsync("/api/org/stores", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await server.Client().PostAsJsonAsync("/api/auth/token", new { login = "demo-guide", password = "guidelink-demo" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var left = await admin.GetJsonAsync($"/api/org/staff/{me.Str("staffId")}");
        left.GetProperty("staff").Str("status").ShouldBe("Left");
        left.GetProperty("history").EnumerateArray().Single().GetProperty("until").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.String);
    }

    /// <summary>The actor is cached per person (ADR 0003): the instance that records a departure drops the guide's entry
    /// with the commit, another instance keeps serving its entry until the cache time runs out — and not a moment longer.</summary>
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task AGuideWhoLeaves_IsRefusedAtOnceHere_AndWithinTheCacheTimeOnAnotherInstance(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        // One fake clock for both instances, near the real time (tokens and placements are dated by it).
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        string[] cacheTime = ["--Guidelink:Access:ActorCacheSeconds=10"];
        await using var first = await GuidelinkInstance.StartAsync(database, services: s => s.AddSingleton<TimeProvider>(clock), extraArgs: cacheTime);
        await using var second = await GuidelinkInstance.StartAsync(database, seedDemo: false, services: s => s.AddSingleton<TimeProvider>(clock), extraArgs: cacheTime);
        using var admin = await first.ClientAsAsync("demo-admin");
        using var guideHere = await first.ClientAsAsync("demo-guide");
        using var guideThere = second.Client();
        guideThere.DefaultRequestHeaders.Authorization = guideHere.DefaultRequestHeaders.Authorization;
        var me = await guideHere.GetJsonAsync("/api/auth/me");
        await guideThere.GetJsonAsync("/api/auth/me"); // both instances now hold the guide's actor

        await admin.PostJsonAsync($"/api/org/staff/{me.Str("staffId")}/leave", new { }, HttpStatusCode.OK);

        (await guideHere.GetAsync("/api/org/stores", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        // The other instance did not see the commit: it may serve its entry for up to the cache time (the accepted bound).
        (await guideThere.GetAsync("/api/org/stores", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        clock.Advance(TimeSpan.FromSeconds(9.9));
        (await guideThere.GetAsync("/api/org/stores", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        clock.Advance(TimeSpan.FromSeconds(0.1));
        (await guideThere.GetAsync("/api/org/stores", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    /// <summary>A role change and a move take effect on the next request of this instance, however long the cache time.</summary>
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task ARoleChangeAndAMove_TakeEffectAtOnce_DespiteTheActorCache(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database, extraArgs: ["--Guidelink:Access:ActorCacheSeconds=600"]);
        using var admin = await server.ClientAsAsync("demo-admin");
        using var manager = await server.ClientAsAsync("demo-store");
        using var guide = await server.ClientAsAsync("demo-guide");
        var managerMe = await manager.GetJsonAsync("/api/auth/me");
        managerMe.Str("role").ShouldBe("StoreManager");
        (await guide.GetJsonAsync("/api/org/stores")).EnumerateArray().Select(s => s.Str("code")).ShouldBe(["SH-XH"]);

        var managerStaff = (await admin.GetJsonAsync($"/api/org/staff/{managerMe.Str("staffId")}")).GetProperty("staff");
        await admin.PutJsonAsync($"/api/org/staff/{managerMe.Str("staffId")}",
            new { employeeNo = managerStaff.Str("employeeNo"), name = managerStaff.Str("name"), role = "Guide" }, HttpStatusCode.OK);
        (await manager.GetJsonAsync("/api/auth/me")).Str("role").ShouldBe("Guide");
        (await manager.PostAsJsonAsync("/api/org/staff", new { employeeNo = "G901", name = "X", role = "Guide", storeId = await admin.StoreIdAsync("SH-XH") }, Ct))
            .StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var guideId = (await guide.GetJsonAsync("/api/auth/me")).Str("staffId");
        await admin.PostJsonAsync($"/api/org/staff/{guideId}/assignments", new { storeId = await admin.StoreIdAsync("SH-PD") }, HttpStatusCode.OK);
        (await guide.GetJsonAsync("/api/org/stores")).EnumerateArray().Select(s => s.Str("code")).ShouldBe(["SH-PD"]);
    }
}
