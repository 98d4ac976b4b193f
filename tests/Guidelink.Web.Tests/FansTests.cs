using System.Net;
using System.Text.Json;
using Guidelink.Core.Persistence;
using Guidelink.Testing;

namespace Guidelink.Web.Tests;

/// <summary>New fans per day in the brand's time zone (Asia/Shanghai), by channel, owner and method, scoped to
/// what the caller sees; on both providers.</summary>
public sealed class FansTests
{
    private static Dictionary<string, int> Counts(JsonElement response, string day) =>
        response.GetProperty("days").EnumerateArray().Single(d => d.Str("date") == day)
            .GetProperty("counts").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());

    private static async Task TouchAsync(HttpClient client, string phone, string channel, string method, string at, string? storeId = null) =>
        await client.PostJsonAsync("/api/touches", new { phone, channel, method, occurredAt = DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture), storeId }, HttpStatusCode.OK);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task NewFans_AreCountedOnTheirFirstDecisionsDayInShanghai_ByChannelOwnerAndMethod(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        using var admin = await server.ClientAsAsync("demo-admin");
        using var guide = await server.ClientAsAsync("demo-guide");
        var me = await guide.GetJsonAsync("/api/auth/me");
        var pudong = await admin.StoreIdAsync("SH-PD");

        await TouchAsync(guide, "13800000001", "Staff", "QrScan", "2026-11-02T15:59:59Z");      // 23:59:59 on 11-02 in Shanghai
        await TouchAsync(guide, "13800000002", "Staff", "Manual", "2026-11-02T16:00:00Z");      // 00:00:00 on 11-03
        await TouchAsync(guide, "13800000003", "Event", "EventCheckIn", "2026-11-01T16:00:00Z"); // 00:00:00 on 11-02
        await TouchAsync(admin, "13800000004", "Livestream", "Link", "2026-11-03T01:00:00Z", pudong); // nobody's: the Pudong pool, 11-03
        await TouchAsync(admin, "13800000001", "Livestream", "Link", "2026-11-04T02:00:00Z");   // a known customer again: not a new fan
        await TouchAsync(admin, "13800000005", "Event", "Link", "2026-10-31T15:59:59Z");        // 10-31 in Shanghai: before the range

        var byChannel = await admin.GetJsonAsync("/api/analytics/fans?from=2026-11-01&to=2026-11-05&groupBy=channel");
        byChannel.Str("timeZone").ShouldBe("Asia/Shanghai");
        byChannel.GetProperty("days").EnumerateArray().Select(d => d.Str("date")).ShouldBe(["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"]);
        Counts(byChannel, "2026-11-01").ShouldBeEmpty();
        Counts(byChannel, "2026-11-02").ShouldBe(new Dictionary<string, int> { ["Staff"] = 1, ["Event"] = 1 }, ignoreOrder: true);
        Counts(byChannel, "2026-11-03").ShouldBe(new Dictionary<string, int> { ["Staff"] = 1, ["Livestream"] = 1 }, ignoreOrder: true);
        Counts(byChannel, "2026-11-04").ShouldBeEmpty();
        byChannel.GetProperty("total").GetInt32().ShouldBe(4);
        byChannel.GetProperty("groups").EnumerateArray().Select(g => (g.Str("key"), g.GetProperty("total").GetInt32()))
            .ShouldBe([("Staff", 2), ("Event", 1), ("Livestream", 1)]);

        var byOwner = await admin.GetJsonAsync("/api/analytics/fans?from=2026-11-01&to=2026-11-05&groupBy=owner");
        var guideId = me.Str("staffId");
        Counts(byOwner, "2026-11-02").ShouldBe(new Dictionary<string, int> { [guideId] = 2 });
        Counts(byOwner, "2026-11-03").ShouldBe(new Dictionary<string, int> { [guideId] = 1, ["pool"] = 1 }, ignoreOrder: true);
        var guideGroup = byOwner.GetProperty("groups").EnumerateArray().Single(g => g.Str("key") == guideId);
        guideGroup.Str("label").ShouldBe(me.Str("name"));
        guideGroup.Str("ownerKind").ShouldBe("OfficialGuide");

        var byMethod = await admin.GetJsonAsync("/api/analytics/fans?from=2026-11-01&to=2026-11-05&groupBy=method");
        Counts(byMethod, "2026-11-02").ShouldBe(new Dictionary<string, int> { ["QrScan"] = 1, ["EventCheckIn"] = 1 }, ignoreOrder: true);
        Counts(byMethod, "2026-11-03").ShouldBe(new Dictionary<string, int> { ["Manual"] = 1, ["Link"] = 1 }, ignoreOrder: true);

        // The range is half-open in whole Shanghai days: to=11-03 stops at 2026-11-02T16:00:00Z.
        var oneDay = await admin.GetJsonAsync("/api/analytics/fans?from=2026-11-02&to=2026-11-03");
        oneDay.GetProperty("total").GetInt32().ShouldBe(2);

        // The console page draws the same figures as a server-rendered stacked bar chart and a table.
        var page = WebUtility.HtmlDecode(await admin.GetStringAsync("/console/fans?from=2026-11-01&to=2026-11-05&groupBy=channel", TestContext.Current.CancellationToken));
        page.ShouldContain("<svg");
        System.Text.RegularExpressions.Regex.Count(page, "<rect ").ShouldBe(4);
        page.ShouldContain("新增粉丝");
        page.ShouldContain("直播");

        // The guide's store manager sees the guide's fans, not the Pudong pool.
        using var manager = await server.ClientAsAsync("demo-store");
        var managers = await manager.GetJsonAsync("/api/analytics/fans?from=2026-11-01&to=2026-11-05&groupBy=channel");
        managers.GetProperty("total").GetInt32().ShouldBe(3);
        Counts(managers, "2026-11-03").ShouldBe(new Dictionary<string, int> { ["Staff"] = 1 });
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task BadDatesGroupingsAndRanges_AreRefusedNamingTheField(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        using var admin = await server.ClientAsAsync("demo-admin");

        (await admin.GetJsonAsync("/api/analytics/fans?from=2026-13-01&to=2026-11-05", HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["from"]);
        (await admin.GetJsonAsync("/api/analytics/fans?from=2026-11-01&to=yesterday", HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["to"]);
        (await admin.GetJsonAsync("/api/analytics/fans?from=2026-11-01&to=2026-11-05&groupBy=weather", HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["groupBy"]);
        (await admin.GetJsonAsync("/api/analytics/fans?from=2026-11-05&to=2026-11-01", HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["to"]);
        (await admin.GetJsonAsync("/api/analytics/fans?from=2025-01-01&to=2026-01-03", HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["to"]);
        (await admin.GetJsonAsync("/api/analytics/fans?from=2025-01-01&to=2026-01-02")).GetProperty("days").GetArrayLength().ShouldBe(366);

        using var anonymous = server.Client();
        (await anonymous.GetAsync("/api/analytics/fans", TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}
