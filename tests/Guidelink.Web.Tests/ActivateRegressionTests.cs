using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Guidelink.Core.Features.Commission;
using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Web.Tests;

/// <summary>Money bugs that must never come back, end to end over HTTP on both providers: quantities, cancellations,
/// retries and late orders.</summary>
public sealed class ActivateRegressionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A brand with a 5% rule for part-time guides, ¥10 per cushion for everyone, a ¥20 new-customer bounty, and a
    /// partner with a share code.</summary>
    private sealed class Brand : IAsyncDisposable
    {
        public required TestDatabase Database { get; init; }
        public required GuidelinkInstance Server { get; init; }
        public required HttpClient Admin { get; init; }
        public required TenantId Tenant { get; init; }
        public required string Store { get; init; }
        public required string Partner { get; init; }
        public required string Code { get; init; }

        public string Holder => $"PartTimeGuide:{Partner}";

        public static async Task<Brand> StartAsync(DatabaseProvider provider)
        {
            var database = await TestDatabase.CreateAsync(provider);
            var server = await GuidelinkInstance.StartAsync(database);
            var admin = await server.ClientAsAsync("demo-admin");
            TenantId tenant;
            await using (var platform = database.NewContext()) tenant = (await platform.Tenants.SingleAsync(Ct)).Id;
            await using (var db = database.NewContext(tenant))
            {
                db.Categories.AddRange(Core.Features.Catalog.Category.Create(tenant, "sofa", "沙发"), Core.Features.Catalog.Category.Create(tenant, "accessory", "饰品"));
                var settings = CommissionSettings.Default(tenant);
                settings.Change(7, NegativeBalancePolicy.AllowNegative, 2_000, null);
                db.CommissionSettings.Add(settings);
                await db.SaveChangesAsync(Ct);
            }
            var from = DateTimeOffset.UtcNow.AddDays(-60);
            await admin.PostJsonAsync("/api/commission-rules", new { name = "兼职 5%", appliesTo = new[] { "PartTimeGuide" }, basisPoints = 500, effectiveFrom = from }, HttpStatusCode.Created);
            await admin.PostJsonAsync("/api/commission-rules", new { name = "抱枕每件 ¥10", sku = "CUSHION", fixedFenPerUnit = 1_000, effectiveFrom = from }, HttpStatusCode.Created);
            var store = await admin.StoreIdAsync("SH-XH");
            var partner = (await admin.PostJsonAsync("/api/partners", new { kind = "PartTimeGuide", name = "设计师周工", homeStoreId = store }, HttpStatusCode.Created)).Str("id");
            await admin.PostJsonAsync($"/api/partners/{partner}/approve", new { }, HttpStatusCode.OK);
            var code = (await admin.GetJsonAsync($"/api/codes?partnerId={partner}")).Str("code");
            return new Brand { Database = database, Server = server, Admin = admin, Tenant = tenant, Store = store, Partner = partner, Code = code };
        }

        /// <summary>2 sofas at ¥1,000 and 3 cushions at ¥50, paid ¥2,150, placed through the partner's code.</summary>
        public object Order(string no, string phone, DateTimeOffset? placedAt = null, bool withCode = true) => new
        {
            channel = "MiniMall",
            externalNo = no,
            storeId = Store,
            customer = new { phone },
            referralCode = withCode ? Code : null,
            lines = new object[]
            {
                new { sku = "SOFA", name = "沙发", category = "sofa", quantity = 2, unitPrice = 1000.00m },
                new { sku = "CUSHION", name = "抱枕", category = "accessory", quantity = 3, unitPrice = 50.00m },
            },
            paid = 2150.00m,
            placedAt = placedAt ?? DateTimeOffset.UtcNow.AddMinutes(-5),
        };

        public async Task<Dictionary<LedgerBucket, long>> BalancesAsync(string holder)
        {
            await using var db = Database.NewContext(Tenant);
            return await LedgerBook.BalancesAsync(db, holder, null, Ct);
        }

        public async ValueTask DisposeAsync()
        {
            Admin.Dispose();
            await Server.DisposeAsync();
            await Database.DisposeAsync();
        }
    }

    private static List<JsonElement> Commission(JsonElement order) => order.GetProperty("commission").EnumerateArray().ToList();

    private static long Fen(JsonElement e, string name) => e.GetProperty(name).GetInt64();

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task AQuantityAboveOne_IsPaidOncePerLine_NeverDoubled(DatabaseProvider provider)
    {
        await using var brand = await Brand.StartAsync(provider);

        var order = await brand.Admin.PostJsonAsync("/api/orders", brand.Order("QTY-1", "13800138001"), HttpStatusCode.Created);

        var sales = Commission(order).Where(c => c.Str("kind") == "Sale").ToList();
        sales.Select(c => c.GetProperty("lineNo").GetInt32()).ShouldBe([1, 2]); // one commission line per order line
        // 5% of the line's paid ¥2,000 (not × 2 again); ¥10 per cushion × 3 (not × 3 twice).
        Fen(sales[0], "baseFen").ShouldBe(200_000);
        Fen(sales[0], "amountFen").ShouldBe(10_000);
        Fen(sales[1], "amountFen").ShouldBe(3_000);
        Commission(order).Single(c => c.Str("kind") == "Bounty").GetProperty("amountFen").GetInt64().ShouldBe(2_000);
        (await brand.BalancesAsync(brand.Holder)).GetValueOrDefault(LedgerBucket.Pending).ShouldBe(15_000);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task CancellingAnOrder_ReversesEveryLinesCommission_AndTheBounty(DatabaseProvider provider)
    {
        await using var brand = await Brand.StartAsync(provider);
        var order = await brand.Admin.PostJsonAsync("/api/orders", brand.Order("CANCEL-1", "13800138002"), HttpStatusCode.Created);
        var id = order.Str("id");
        var total = Commission(order).Sum(c => Fen(c, "amountFen"));
        total.ShouldBe(15_000, order.Str("creditNote"));

        // The whole order back: no lines named.
        var refund = await brand.Admin.PostJsonAsync($"/api/orders/{id}/events", new { kind = "Refunded", key = "RF-CANCEL-1", note = "顾客取消" }, HttpStatusCode.OK);
        Fen(refund, "refundedFen").ShouldBe(215_000);
        Fen(refund, "reversedFen").ShouldBe(total);

        var after = await brand.Admin.GetJsonAsync($"/api/orders/{id}");
        Commission(after).ShouldAllBe(c => Fen(c, "reversedFen") == Fen(c, "amountFen"));
        after.GetProperty("lines").EnumerateArray().ShouldAllBe(l => Fen(l, "refundedFen") == Fen(l, "paidFen"));
        after.Str("status").ShouldBe("Refunded");
        var balances = await brand.BalancesAsync(brand.Holder);
        balances.GetValueOrDefault(LedgerBucket.Pending).ShouldBe(0);
        balances.GetValueOrDefault(LedgerBucket.Available).ShouldBe(0);
        // Nothing left to refund: a second cancellation under another number is refused, naming the field.
        (await brand.Admin.PostJsonAsync($"/api/orders/{id}/events", new { kind = "Refunded", key = "RF-CANCEL-2" }, HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["lines"]);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task ARetriedOrder_NeverDoublesCommission_SequentiallyOrAtTheSameMoment(DatabaseProvider provider)
    {
        await using var brand = await Brand.StartAsync(provider);
        var body = brand.Order("RETRY-1", "13800138003");
        var first = await brand.Admin.PostJsonAsync("/api/orders", body, HttpStatusCode.Created);
        for (var i = 0; i < 3; i++)
            (await brand.Admin.PostJsonAsync("/api/orders", body, HttpStatusCode.OK)).Str("id").ShouldBe(first.Str("id"));

        // The same new order sent six times at once (a POS retrying on a timeout, twice over).
        var racing = brand.Order("RETRY-2", "13800138004");
        using var start = new SemaphoreSlim(0, 6);
        var sends = Enumerable.Range(0, 6).Select(async _ =>
        {
            using var client = brand.Server.Client();
            client.DefaultRequestHeaders.Authorization = brand.Admin.DefaultRequestHeaders.Authorization;
            await start.WaitAsync(Ct);
            var response = await client.PostAsJsonAsync("/api/orders", racing, Ct);
            return response.StatusCode;
        }).ToList();
        start.Release(6);
        var statuses = await Task.WhenAll(sends);
        statuses.Count(s => s == HttpStatusCode.Created).ShouldBe(1, string.Join(", ", statuses));
        // The others got the first answer, or were asked to send again (and then get it).
        statuses.ShouldAllBe(s => s == HttpStatusCode.Created || s == HttpStatusCode.OK || s == HttpStatusCode.Conflict);
        var replay = await brand.Admin.PostJsonAsync("/api/orders", racing, HttpStatusCode.OK);

        await using var db = brand.Database.NewContext(brand.Tenant);
        (await db.Orders.CountAsync(Ct)).ShouldBe(2);
        foreach (var id in new[] { Guid.Parse(first.Str("id")), Guid.Parse(replay.Str("id")) })
        {
            (await db.CommissionLines.CountAsync(c => c.OrderId == id, Ct)).ShouldBe(3); // two lines and the bounty, once
            (await db.LedgerPostings.CountAsync(p => p.OrderId == id, Ct)).ShouldBe(1);  // one accrual
        }
        // The second order's customer is new too, so it earns a bounty as well: 2 × ¥150.
        (await brand.BalancesAsync(brand.Holder)).GetValueOrDefault(LedgerBucket.Pending).ShouldBe(2 * 15_000);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task AnOrderArrivingAfterTheCustomerWasReassigned_IsCreditedToTheOwnerAtPlacedAt(DatabaseProvider provider)
    {
        await using var brand = await Brand.StartAsync(provider);
        var now = DateTimeOffset.UtcNow;
        // The partner's code brings the customer ten days ago…
        var touch = await brand.Admin.PostJsonAsync("/api/touches",
            new { code = brand.Code, phone = "13800138005", channel = "Partner", method = "QrScan", occurredAt = now.AddDays(-10) }, HttpStatusCode.OK);
        var customer = touch.Str("customerId");
        touch.GetProperty("decision").GetProperty("owner").Str("id").ShouldBe(brand.Partner);
        // …the store hands them to an official guide today…
        var guide = (await brand.Admin.GetJsonAsync("/api/org/staff?role=Guide")).EnumerateArray().First().Str("id");
        await brand.Admin.PostJsonAsync($"/api/customers/{customer}/reassign", new { staffId = guide, reason = "顾客要求到店服务" }, HttpStatusCode.OK);
        (await brand.Admin.GetJsonAsync($"/api/customers/{customer}")).Str("ownerId").ShouldBe(guide);

        // …and the POS batch with the order they placed five days ago arrives only now.
        var late = await brand.Admin.PostJsonAsync("/api/orders", brand.Order("LATE-1", "13800138005", now.AddDays(-5), withCode: false), HttpStatusCode.Created);
        late.Str("creditId").ShouldBe(brand.Partner);
        late.Str("creditKind").ShouldBe("PartTimeGuide");
        Commission(late).ShouldAllBe(c => c.Str("earnerId") == brand.Partner);
        Commission(late).Where(c => c.Str("kind") == "Sale").Sum(c => Fen(c, "amountFen")).ShouldBe(13_000);

        // An order placed after the hand-over is the guide's: the credit follows placedAt, not arrival.
        var after = await brand.Admin.PostJsonAsync("/api/orders", brand.Order("LATE-2", "13800138005", DateTimeOffset.UtcNow, withCode: false), HttpStatusCode.Created);
        after.Str("creditId").ShouldBe(guide);
        // The partner's commission stands: the reassignment moved nothing already credited.
        (await brand.Admin.GetJsonAsync($"/api/orders/{late.Str("id")}")).Str("creditId").ShouldBe(brand.Partner);
    }
}
