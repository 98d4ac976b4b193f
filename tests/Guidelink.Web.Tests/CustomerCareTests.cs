using System.Net;
using Guidelink.Core.Persistence;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Web.Tests;

/// <summary>Policy versions, late touches, profile and tag edits (audited), merges — over HTTP, both providers.</summary>
public sealed class CustomerCareTests
{
    private static async Task<Core.Shared.TenantId> TenantAsync(TestDatabase database)
    {
        await using var platform = database.NewContext();
        return await platform.Tenants.Where(t => t.Slug == Core.Features.Demo.SeedDemoBrand.Slug).Select(t => t.Id).FirstAsync(TestContext.Current.CancellationToken);
    }

    private static async Task<(string Id, string Code)> PartnerAsync(HttpClient admin, string name)
    {
        var store = await admin.StoreIdAsync("SH-XH");
        var id = (await admin.PostJsonAsync("/api/partners", new { kind = "ShareAmbassador", name, homeStoreId = store }, HttpStatusCode.Created)).Str("id");
        await admin.PostJsonAsync($"/api/partners/{id}/approve", new { }, HttpStatusCode.OK);
        return (id, (await admin.GetJsonAsync($"/api/codes?partnerId={id}")).Str("code"));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task ANewPolicyVersion_GovernsLaterTouches_AndIsRecordedOnEachDecision(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        using var admin = await server.ClientAsAsync("demo-admin");
        var a = await PartnerAsync(admin, "大使甲");
        var b = await PartnerAsync(admin, "大使乙");

        (await admin.GetJsonAsync("/api/attribution-policy")).GetProperty("current").Str("mode").ShouldBe("FirstTouch");
        (await admin.PostJsonAsync("/api/attribution-policy", new { mode = "Sometimes", protectionDays = 0, effectiveFrom = "2020-01-01T00:00:00Z" }, HttpStatusCode.BadRequest))
            .ErrorFields().ShouldBe(["effectiveFrom", "mode", "protectionDays"]);
        var v1 = await admin.PostJsonAsync("/api/attribution-policy", new { mode = "LastTouch", protectionDays = 30 }, HttpStatusCode.OK);
        v1.GetProperty("version").GetInt32().ShouldBe(1);

        await admin.PostJsonAsync("/api/touches", new { code = a.Code, phone = "13811112222", channel = "ShareLink", method = "Link" }, HttpStatusCode.OK);
        var switched = await admin.PostJsonAsync("/api/touches", new { code = b.Code, phone = "13811112222", channel = "ShareLink", method = "Link" }, HttpStatusCode.OK);
        switched.GetProperty("decision").Str("reason").ShouldBe("LastTouchSwitch");
        switched.GetProperty("decision").GetProperty("policyVersion").GetInt32().ShouldBe(1);
        switched.GetProperty("decision").GetProperty("owner").Str("id").ShouldBe(b.Id);

        using var guide = await server.ClientAsAsync("demo-guide");
        (await guide.PostJsonAsync("/api/attribution-policy", new { mode = "NeverSwitch" }, HttpStatusCode.Forbidden)).GetProperty("status").GetInt32().ShouldBe(403);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task ALateTouch_IsDecidedAsOfItsOwnTime_AndNeverRevisesLaterDecisions(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        using var admin = await server.ClientAsAsync("demo-admin");
        var a = await PartnerAsync(admin, "先来的");
        var b = await PartnerAsync(admin, "迟到的");
        var now = DateTimeOffset.UtcNow;

        var first = await admin.PostJsonAsync("/api/touches", new { code = a.Code, phone = "13922223333", channel = "ShareLink", method = "Link", occurredAt = now.AddHours(-1) }, HttpStatusCode.OK);
        // B's touch happened two hours ago (before A's) but arrives now: as of its own time the customer was nobody's.
        var late = await admin.PostJsonAsync("/api/touches", new { code = b.Code, phone = "13922223333", channel = "ShareLink", method = "Link", occurredAt = now.AddHours(-2) }, HttpStatusCode.OK);
        late.GetProperty("decision").GetProperty("changed").GetBoolean().ShouldBeFalse();
        late.GetProperty("decision").GetProperty("claimant").Str("id").ShouldBe(b.Id);

        var why = await admin.GetJsonAsync($"/api/customers/{first.Str("customerId")}/attribution?lang=en");
        why.GetProperty("owner").Str("id").ShouldBe(a.Id);
        why.GetProperty("history").GetArrayLength().ShouldBe(2);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task ProfileAndTagEdits_AreAudited_WithPersonalFieldsMasked(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        using var admin = await server.ClientAsAsync("demo-admin");
        var group = await admin.PostJsonAsync("/api/customers/tag-groups", new { name = "装修阶段", singleChoice = true, tags = new[] { "计划中", "装修中", "已完工" } }, HttpStatusCode.Created);
        var tags = group.GetProperty("tags").EnumerateArray().Select(t => t.Str("id")).ToList();
        var customer = (await admin.PostJsonAsync("/api/touches", new { phone = "13733334444", channel = "Staff", method = "Manual", staffId = (await admin.GetJsonAsync("/api/org/staff?role=Guide")).EnumerateArray().First().Str("id") }, HttpStatusCode.OK)).Str("customerId");

        (await admin.PutJsonAsync($"/api/customers/{customer}", new { tagIds = new[] { tags[0], tags[1] } }, HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["tagIds"]);
        var updated = await admin.PutJsonAsync($"/api/customers/{customer}", new { name = "诸葛先生", gender = "Male", birthday = "1985-06-01", tagIds = new[] { tags[1] } }, HttpStatusCode.OK);
        updated.Str("name").ShouldBe("诸葛先生");
        updated.GetProperty("tags").EnumerateArray().Single().Str("name").ShouldBe("装修中");

        var audit = await admin.GetJsonAsync($"/api/audit?entityType=Customer&entityId={customer}");
        var entry = audit.EnumerateArray().Single(e => e.Str("action") == "Customer.ProfileUpdated");
        entry.Str("after").ShouldNotContain("诸葛先生");
        entry.Str("after").ShouldContain("诸***");
        (await admin.GetJsonAsync("/api/audit?entityType=CustomerTag")).EnumerateArray().Single().Str("action").ShouldBe("CustomerTag.Created");
        (await admin.GetJsonAsync($"/api/customers?tagId={tags[1]}")).EnumerateArray().Single().Str("id").ShouldBe(customer);
        (await admin.GetJsonAsync($"/api/customers?tagId={tags[0]}")).GetArrayLength().ShouldBe(0);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task AMerge_KeepsBothHistories_AndTheOwnerWhoseOwnershipBeganFirst(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        using var admin = await server.ClientAsAsync("demo-admin");
        var early = await PartnerAsync(admin, "早到");
        var later = await PartnerAsync(admin, "晚到");
        var now = DateTimeOffset.UtcNow;
        var byWeChat = await admin.PostJsonAsync("/api/touches", new { code = early.Code, unionId = "o6_bmasdasdsad6_2sgVt7hMZOPfL", channel = "ShareLink", method = "QrScan", occurredAt = now.AddDays(-3) }, HttpStatusCode.OK);
        var byPhone = await admin.PostJsonAsync("/api/touches", new { code = later.Code, phone = "13644445555", channel = "ShareLink", method = "Link", occurredAt = now.AddDays(-1) }, HttpStatusCode.OK);
        byWeChat.Str("customerId").ShouldNotBe(byPhone.Str("customerId"));
        // The WeChat customer has bought once: after the merge that purchase is the survivor's, so its next order is not a first.
        await using (var db = database.NewContext(await TenantAsync(database)))
        {
            db.Categories.Add(Core.Features.Catalog.Category.Create(db.TenantContext.Required, "sofa", "沙发"));
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }
        var store = await admin.StoreIdAsync("SH-XH");
        object Order(string no, object customer) => new
        {
            channel = "Pos",
            externalNo = no,
            storeId = store,
            customer,
            lines = new[] { new { sku = "SOFA-01", category = "sofa", quantity = 1, unitPrice = 100.00m } },
            paid = 100.00m,
        };
        var bought = await admin.PostJsonAsync("/api/orders", Order("MERGE-1", new { unionId = "o6_bmasdasdsad6_2sgVt7hMZOPfL" }), HttpStatusCode.Created);
        bought.Str("customerId").ShouldBe(byWeChat.Str("customerId"));
        bought.GetProperty("isFirstOrder").GetBoolean().ShouldBeTrue();

        (await admin.PostJsonAsync($"/api/customers/{byPhone.Str("customerId")}/merge", new { duplicateId = byPhone.Str("customerId") }, HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["duplicateId"]);
        var merge = await admin.PostJsonAsync($"/api/customers/{byPhone.Str("customerId")}/merge", new { duplicateId = byWeChat.Str("customerId") }, HttpStatusCode.OK);
        merge.Str("reason").ShouldBe("Merge");
        merge.GetProperty("owner").Str("id").ShouldBe(early.Id);

        var survivor = await admin.GetJsonAsync($"/api/customers/{byPhone.Str("customerId")}");
        survivor.GetProperty("hasUnionId").GetBoolean().ShouldBeTrue();
        var history = await admin.GetJsonAsync($"/api/customers/{byPhone.Str("customerId")}/attribution?lang=zh");
        history.GetProperty("history").GetArrayLength().ShouldBe(3); // both first touches and the merge
        history.Str("why").ShouldContain("早到");
        await admin.GetJsonAsync($"/api/customers/{byWeChat.Str("customerId")}", HttpStatusCode.NotFound);
        // The WeChat identity now finds the survivor.
        var again = await admin.PostJsonAsync("/api/touches", new { code = later.Code, unionId = "o6_bmasdasdsad6_2sgVt7hMZOPfL", channel = "ShareLink", method = "QrScan" }, HttpStatusCode.OK);
        again.Str("customerId").ShouldBe(byPhone.Str("customerId"));
        (await admin.GetJsonAsync($"/api/orders/{bought.Str("id")}")).Str("customerId").ShouldBe(byPhone.Str("customerId"));
        var next = await admin.PostJsonAsync("/api/orders", Order("MERGE-2", new { phone = "13644445555" }), HttpStatusCode.Created);
        next.Str("customerId").ShouldBe(byPhone.Str("customerId"));
        next.GetProperty("isFirstOrder").GetBoolean().ShouldBeFalse();
    }
}
