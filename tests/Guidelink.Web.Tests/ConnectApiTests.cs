using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Guidelink.Core.Persistence;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Web.Tests;

/// <summary>Touches and exclusive, explainable attribution over real HTTP, on both providers.</summary>
public sealed class ConnectApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(string Id, string Code)> ActivePartnerAsync(HttpClient admin, string name, string storeCode, string? phone = null)
    {
        var store = await admin.StoreIdAsync(storeCode);
        var partner = await admin.PostJsonAsync("/api/partners", new { kind = "PartTimeGuide", name, homeStoreId = store, phone }, HttpStatusCode.Created);
        var id = partner.Str("id");
        await admin.PostJsonAsync($"/api/partners/{id}/approve", new { }, HttpStatusCode.OK);
        var code = await admin.GetJsonAsync($"/api/codes?partnerId={id}");
        return (id, code.Str("code"));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task AGuidesTouch_MakesANewCustomerTheirs_AndTheAttributionSaysWhy(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        using var guide = await server.ClientAsAsync("demo-guide");
        var me = await guide.GetJsonAsync("/api/auth/me");

        var touch = await guide.PostJsonAsync("/api/touches", new { phone = "138 0013 8000", name = "陈女士", channel = "Staff", method = "Manual" }, HttpStatusCode.OK);
        touch.GetProperty("newCustomer").GetBoolean().ShouldBeTrue();
        var decision = touch.GetProperty("decision");
        decision.Str("reason").ShouldBe("NewCustomer");
        decision.GetProperty("owner").Str("id").ShouldBe(me.Str("staffId"));

        var customer = touch.Str("customerId");
        var zh = await guide.GetJsonAsync($"/api/customers/{customer}/attribution?lang=zh");
        zh.Str("why").ShouldContain(me.Str("name"));
        zh.Str("why").ShouldContain("首次接触");
        zh.GetProperty("history").GetArrayLength().ShouldBe(1);
        var en = await guide.GetJsonAsync($"/api/customers/{customer}/attribution?lang=en");
        en.Str("why").ShouldContain("first touch");

        var list = await guide.GetJsonAsync("/api/customers");
        list.EnumerateArray().Single().Str("phone").ShouldBe("138****8000"); // guides never see the full number
        using var admin = await server.ClientAsAsync("demo-admin");
        (await admin.GetJsonAsync("/api/customers?search=13800138000")).EnumerateArray().Single().Str("phone").ShouldBe("+8613800138000");
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task APartnersCode_BindsFirst_ALaterPartnerIsRecordedNotSwitched_AndAFrozenPartnerNeverBinds(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        using var admin = await server.ClientAsAsync("demo-admin");
        var (first, firstCode) = await ActivePartnerAsync(admin, "设计师周工", "SH-XH");
        var (second, secondCode) = await ActivePartnerAsync(admin, "异业王店长", "SH-XH");

        var won = await admin.PostJsonAsync("/api/touches", new { code = firstCode, phone = "13900139000", channel = "ShareLink", method = "Link" }, HttpStatusCode.OK);
        won.GetProperty("decision").GetProperty("owner").Str("id").ShouldBe(first);
        var lost = await admin.PostJsonAsync("/api/touches", new { code = secondCode.ToUpperInvariant(), phone = "139-0013-9000", channel = "ShareLink", method = "QrScan" }, HttpStatusCode.OK);
        lost.Str("customerId").ShouldBe(won.Str("customerId"));
        lost.GetProperty("decision").Str("reason").ShouldBe("Protected");
        lost.GetProperty("decision").GetProperty("changed").GetBoolean().ShouldBeFalse();
        lost.GetProperty("decision").GetProperty("claimant").Str("id").ShouldBe(second);

        await admin.PostJsonAsync($"/api/partners/{second}/freeze", new { }, HttpStatusCode.OK);
        var frozen = await admin.PostJsonAsync("/api/touches", new { code = secondCode, phone = "13700137000", channel = "ShareLink", method = "Link" }, HttpStatusCode.OK);
        frozen.GetProperty("decision").Str("reason").ShouldBe("PartnerInactive");
        frozen.GetProperty("decision").GetProperty("owner").ValueKind.ShouldBe(JsonValueKind.Null);
        (await admin.GetJsonAsync("/api/customers?pool=true")).EnumerateArray().Select(c => c.Str("id")).ShouldContain(frozen.Str("customerId"));

        var why = await admin.GetJsonAsync($"/api/customers/{won.Str("customerId")}/attribution?lang=zh");
        why.Str("why").ShouldContain("设计师周工");
        why.Str("why").ShouldContain("1 次触点已记录但未改变归属");
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task BadTouches_AreRejectedNamingTheField_AndWriteNothing(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        using var admin = await server.ClientAsAsync("demo-admin");

        (await admin.PostJsonAsync("/api/touches", new { phone = "1380013", channel = "Staff", method = "Manual" }, HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["phone"]);
        (await admin.PostJsonAsync("/api/touches", new { phone = "13800138000", channel = "Radio", method = "Shout" }, HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["channel", "method"]);
        (await admin.PostJsonAsync("/api/touches", new { code = "nosuchcode", phone = "13800138000", channel = "ShareLink", method = "Link" }, HttpStatusCode.NotFound))
            .Str("detail").ShouldContain("nosuchcode");
        (await admin.PostJsonAsync("/api/touches", new { phone = "13800138000", channel = "Staff", method = "Manual", occurredAt = DateTimeOffset.UtcNow.AddDays(1) }, HttpStatusCode.BadRequest))
            .ErrorFields().ShouldBe(["occurredAt"]);

        await using var db = database.NewContext();
        (await db.Customers.IgnoreQueryFilters().CountAsync(Ct)).ShouldBe(0);
        (await db.Touches.IgnoreQueryFilters().CountAsync(Ct)).ShouldBe(0);
        (await db.AttributionDecisions.IgnoreQueryFilters().CountAsync(Ct)).ShouldBe(0);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task SimultaneousTouchesForOneNewCustomer_LeaveExactlyOneOwner_AndNMinus1RecordedLosers(DatabaseProvider provider)
    {
        const int n = 12;
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        using var admin = await server.ClientAsAsync("demo-admin");
        var partners = new List<(string Id, string Code)>();
        for (var i = 0; i < n; i++) partners.Add(await ActivePartnerAsync(admin, $"合伙人{i:00}", i % 2 == 0 ? "SH-XH" : "SH-PD"));

        using var start = new SemaphoreSlim(0, n);
        var requests = partners.Select(async p =>
        {
            using var client = server.Client();
            client.DefaultRequestHeaders.Authorization = admin.DefaultRequestHeaders.Authorization;
            await start.WaitAsync(Ct);
            var response = await client.PostAsJsonAsync("/api/touches", new { code = p.Code, phone = "13600136000", channel = "ShareLink", method = "QrScan" }, Ct);
            return await response.JsonAsync(HttpStatusCode.OK);
        }).ToList();
        start.Release(n);
        var answers = await Task.WhenAll(requests);

        answers.Select(a => a.Str("customerId")).Distinct().Count().ShouldBe(1);
        var winners = answers.Where(a => a.GetProperty("decision").GetProperty("changed").GetBoolean()).ToList();
        winners.Count.ShouldBe(1);
        answers.Count(a => a.GetProperty("decision").Str("reason") == "Protected").ShouldBe(n - 1);

        await using var db = database.NewContext();
        var customer = await db.Customers.IgnoreQueryFilters().SingleAsync(Ct);
        customer.OwnerId.ShouldBe(Guid.Parse(winners[0].GetProperty("decision").GetProperty("owner").Str("id")));
        var decisions = await db.AttributionDecisions.IgnoreQueryFilters().ToListAsync(Ct);
        decisions.Count.ShouldBe(n);
        decisions.Count(d => d.Changed).ShouldBe(1);
        decisions.Where(d => !d.Changed).Select(d => d.ClaimantId).Distinct().Count().ShouldBe(n - 1);
        decisions.Where(d => !d.Changed).ShouldAllBe(d => d.PreviousOwnerId == customer.OwnerId); // every loser saw the winner
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task WhenAGuideLeaves_TheirCustomersMoveEvenlyToTheStoresOtherGuides_NeverOrphaned(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        using var admin = await server.ClientAsAsync("demo-admin");
        using var guide = await server.ClientAsAsync("demo-guide");
        var leaving = (await guide.GetJsonAsync("/api/auth/me")).Str("staffId");
        for (var i = 0; i < 7; i++)
            await guide.PostJsonAsync("/api/touches", new { phone = $"1351234000{i}", channel = "Staff", method = "Manual" }, HttpStatusCode.OK);

        await admin.PostJsonAsync($"/api/org/staff/{leaving}/leave", new { }, HttpStatusCode.OK);

        var store = await admin.StoreIdAsync("SH-XH");
        var others = (await admin.GetJsonAsync($"/api/org/staff?storeId={store}&role=Guide")).EnumerateArray().Select(s => s.Str("id")).ToList();
        others.Count.ShouldBe(3);
        var customers = (await admin.GetJsonAsync("/api/customers")).EnumerateArray().ToList();
        customers.Count.ShouldBe(7);
        customers.ShouldAllBe(c => c.GetProperty("ownerId").ValueKind == JsonValueKind.String && others.Contains(c.Str("ownerId")));
        customers.GroupBy(c => c.Str("ownerId")).Select(g => g.Count()).Order().ShouldBe([2, 2, 3]); // even to within one

        var why = await admin.GetJsonAsync($"/api/customers/{customers[0].Str("id")}/attribution?lang=en");
        why.GetProperty("history").EnumerateArray().Last().GetProperty("decision").Str("reason").ShouldBe("GuideLeft");
        why.Str("why").ShouldContain("left");
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task ManualReassignment_IsLimitedPerCustomer_AndExplained(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        using var store = await server.ClientAsAsync("demo-store");
        var customer = (await store.PostJsonAsync("/api/touches", new { phone = "13312345678", channel = "Staff", method = "Manual" }, HttpStatusCode.OK)).Str("customerId");
        var storeId = await store.StoreIdAsync("SH-XH");
        var guides = (await store.GetJsonAsync($"/api/org/staff?storeId={storeId}&role=Guide")).EnumerateArray().Select(s => s.Str("id")).ToList();

        (await store.PostJsonAsync($"/api/customers/{customer}/reassign", new { staffId = guides[0] }, HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["reason"]);
        await store.PostJsonAsync($"/api/customers/{customer}/reassign", new { staffId = guides[0], reason = "顾客住得近" }, HttpStatusCode.OK);
        await store.PostJsonAsync($"/api/customers/{customer}/reassign", new { staffId = guides[1], reason = "擅长软装" }, HttpStatusCode.OK);
        var third = await store.PostJsonAsync($"/api/customers/{customer}/reassign", new { staffId = guides[2], reason = "再换" }, HttpStatusCode.Conflict);
        third.Str("detail").ShouldContain("limit is 2");

        var why = await store.GetJsonAsync($"/api/customers/{customer}/attribution?lang=zh");
        why.Str("why").ShouldContain("手动分配");
        why.GetProperty("owner").Str("id").ShouldBe(guides[1]);
    }
}
