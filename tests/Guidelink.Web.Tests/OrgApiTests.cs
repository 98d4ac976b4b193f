using System.Net;
using System.Net.Http.Json;
using Guidelink.Core.Persistence;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Web.Tests;

/// <summary>/api/org end to end over real HTTP, on both providers.</summary>
public sealed class OrgApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task CreateStore_ReturnsCreated_AndTheStoreAppearsInTheTree(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        using var admin = await server.ClientAsAsync("demo-admin");
        var east = await admin.RegionIdAsync("EAST");

        var response = await admin.PostAsJsonAsync("/api/org/stores", new { regionId = east, code = "NB-YZ", name = "宁波鄞州店", city = "宁波", mallName = "万达广场" }, Ct);
        var created = await response.JsonAsync(HttpStatusCode.Created);
        response.Headers.Location!.ToString().ShouldBe($"/api/org/stores/{created.Str("id")}");
        created.Str("mallName").ShouldBe("万达广场");

        var tree = await admin.GetJsonAsync("/api/org/tree");
        var eastNode = tree.GetProperty("regions").EnumerateArray().Single(r => r.GetProperty("region").Str("code") == "EAST");
        eastNode.GetProperty("stores").EnumerateArray().Select(s => s.GetProperty("store").Str("code")).ShouldContain("NB-YZ");
        eastNode.GetProperty("stores").GetArrayLength().ShouldBe(4);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task CreateStore_WithBadFields_Returns400NamingEachField_AndWritesNothing(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        using var admin = await server.ClientAsAsync("demo-admin");
        var (stores, audits) = await CountsAsync(database);

        var problem = await admin.PostJsonAsync("/api/org/stores", new { code = "", name = new string('店', 101), city = "上海" }, HttpStatusCode.BadRequest);
        problem.ErrorFields().ShouldBe(["code", "name", "regionId"]);
        problem.GetProperty("status").GetInt32().ShouldBe(400);
        problem.Str("requestId").ShouldNotBeNullOrWhiteSpace(); // quoted by support, matches the log line

        var wrongType = await admin.PostJsonAsync("/api/org/stores", new { regionId = "not-a-guid", code = "X1", name = "X" }, HttpStatusCode.BadRequest);
        wrongType.ErrorFields().ShouldBe(["regionId"]);
        wrongType.Str("requestId").ShouldNotBeNullOrWhiteSpace();

        var unknownRegion = await admin.PostJsonAsync("/api/org/stores", new { regionId = Guid.NewGuid(), code = "X1", name = "X" }, HttpStatusCode.BadRequest);
        unknownRegion.ErrorFields().ShouldBe(["regionId"]);

        (await CountsAsync(database)).ShouldBe((stores, audits));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task DuplicateCodes_Return409_AndUnknownIds_Return404(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        using var admin = await server.ClientAsAsync("demo-admin");
        var east = await admin.RegionIdAsync("EAST");

        var conflict = await admin.PostJsonAsync("/api/org/stores", new { regionId = east, code = "SH-XH", name = "Again" }, HttpStatusCode.Conflict);
        conflict.Str("detail").ShouldContain("SH-XH");
        await admin.PostJsonAsync("/api/org/regions", new { code = "EAST", name = "又一个华东" }, HttpStatusCode.BadRequest);
        await admin.PostJsonAsync("/api/org/staff", new { employeeNo = "G001", name = "重复", role = "Guide", storeId = await admin.StoreIdAsync("SH-XH") }, HttpStatusCode.Conflict);

        var missing = await admin.GetJsonAsync($"/api/org/stores/{Guid.NewGuid()}", HttpStatusCode.NotFound);
        missing.GetProperty("status").GetInt32().ShouldBe(404);
        await admin.PutJsonAsync($"/api/org/stores/{Guid.NewGuid()}", new { code = "A", name = "B" }, HttpStatusCode.NotFound);
        await admin.GetJsonAsync($"/api/org/staff/{Guid.NewGuid()}", HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task UpdateStore_ChangesIt_AndTheAuditLogSaysWhoChangedWhat(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        using var admin = await server.ClientAsAsync("demo-admin");
        var store = await admin.StoreIdAsync("HZ-XH");
        var region = await admin.RegionIdAsync("EAST");

        var updated = await admin.PutJsonAsync($"/api/org/stores/{store}", new { regionId = region, code = "HZ-XH", name = "杭州西湖旗舰店", city = "杭州", status = "Closed" }, HttpStatusCode.OK);
        updated.Str("name").ShouldBe("杭州西湖旗舰店");
        updated.Str("status").ShouldBe("Closed");

        var audit = await admin.GetJsonAsync($"/api/audit?entityType=Store&entityId={store}");
        var entry = audit.EnumerateArray().First();
        entry.Str("action").ShouldBe("Store.Updated");
        entry.Str("actorKind").ShouldBe("Staff");
        entry.Str("before").ShouldContain("杭州西湖店");
        entry.Str("after").ShouldContain("杭州西湖旗舰店");
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task StaffHistory_AnswersWhereSomeoneWorkedOnADate(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        using var admin = await server.ClientAsAsync("demo-admin");
        var xuhui = await admin.StoreIdAsync("SH-XH");
        var pudong = await admin.StoreIdAsync("SH-PD");
        var march3 = new DateTimeOffset(2026, 3, 3, 2, 0, 0, TimeSpan.Zero);

        var hired = await admin.PostJsonAsync("/api/org/staff", new { employeeNo = "G900", name = "林晓", role = "Guide", storeId = xuhui, joinedAt = "2026-02-01T00:00:00Z" }, HttpStatusCode.Created);
        var id = hired.Str("id");
        await admin.PostJsonAsync($"/api/org/staff/{id}/assignments", new { storeId = pudong, from = "2026-04-01T00:00:00Z" }, HttpStatusCode.OK);

        var staff = await admin.GetJsonAsync($"/api/org/staff/{id}?at={Uri.EscapeDataString(march3.ToString("O"))}");
        staff.GetProperty("at").Str("storeId").ShouldBe(xuhui);
        staff.GetProperty("staff").Str("storeId").ShouldBe(pudong);
        staff.GetProperty("history").GetArrayLength().ShouldBe(2);

        var badMove = await admin.PostJsonAsync($"/api/org/staff/{id}/assignments", new { storeId = xuhui, from = "2026-01-01T00:00:00Z" }, HttpStatusCode.BadRequest);
        badMove.ErrorFields().ShouldBe(["from"]);
        var badRole = await admin.PostJsonAsync("/api/org/staff", new { employeeNo = "G901", name = "X", role = "Boss", storeId = xuhui }, HttpStatusCode.BadRequest);
        badRole.ErrorFields().ShouldBe(["role"]);
        var noStore = await admin.PostJsonAsync("/api/org/staff", new { employeeNo = "G902", name = "X", role = "Guide" }, HttpStatusCode.BadRequest);
        noStore.ErrorFields().ShouldBe(["storeId"]);
    }

    private static async Task<(int Stores, int Audits)> CountsAsync(TestDatabase database)
    {
        await using var db = database.NewContext();
        return (await db.Stores.IgnoreQueryFilters().CountAsync(Ct), await db.AuditEntries.IgnoreQueryFilters().CountAsync(Ct));
    }
}
