using System.Globalization;
using System.Net;
using System.Text.Json;
using ClosedXML.Excel;
using CsvHelper;
using CsvHelper.Configuration;
using Guidelink.Core.Features.Commission;
using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Persistence;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Web.Tests;

/// <summary>Partner statements over real HTTP: accrual, settlement and a partial refund add up (closing = opening +
/// movements, running balance ends at the closing total, the head is the last entry); the chain verifies; CSV and XLSX
/// say what the JSON says; each download is recorded with its head and audited; a partner sees only their own.</summary>
public sealed class StatementTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    private static async Task<Core.Shared.TenantId> TenantAsync(TestDatabase database)
    {
        await using var platform = database.NewContext();
        return await platform.Tenants.Where(t => t.Slug == Core.Features.Demo.SeedDemoBrand.Slug).Select(t => t.Id).FirstAsync(Ct);
    }

    private static async Task<(string Id, string Code)> PartnerAsync(HttpClient admin, string storeCode, string name, string login)
    {
        var store = await admin.StoreIdAsync(storeCode);
        var id = (await admin.PostJsonAsync("/api/partners", new { kind = "PartTimeGuide", name, homeStoreId = store }, HttpStatusCode.Created)).Str("id");
        await admin.PostJsonAsync($"/api/partners/{id}/approve", new { }, HttpStatusCode.OK);
        await admin.PostJsonAsync($"/api/partners/{id}/login", new { login, password = "partner-pass-1" }, HttpStatusCode.Created);
        return (id, (await admin.GetJsonAsync($"/api/codes?partnerId={id}")).Str("code"));
    }

    private static object Order(string no, string storeId, string phone, string code, DateTimeOffset placedAt) => new
    {
        channel = "MiniMall",
        externalNo = no,
        storeId,
        customer = new { phone },
        referralCode = code,
        lines = new object[]
        {
            new { sku = "SOFA-01", name = "云朵沙发", category = "sofa", quantity = 1, unitPrice = 999.00m },
            new { sku = "LAMP-02", name = "落地灯", category = "lighting", quantity = 2, unitPrice = 150.00m, discount = 20.00m },
        },
        orderDiscount = 80.00m,
        paid = 1199.00m,
        placedAt = placedAt.ToString("O"),
    };

    private static async Task<byte[]> DownloadAsync(HttpClient client, string query, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await client.GetAsync($"/api/statements?{query}", Ct);
        var bytes = await response.Content.ReadAsByteArrayAsync(Ct);
        response.StatusCode.ShouldBe(expected, System.Text.Encoding.UTF8.GetString(bytes));
        return bytes;
    }

    private static GetStatement.Statement Parse(byte[] json) => JsonSerializer.Deserialize<GetStatement.Statement>(json, StatementFiles.Json)!;

    private static string Day(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task AStatement_AddsUp_ThroughAccrualSettlementAndAPartialRefund_AndItsFormatsAgree(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        using var admin = await server.ClientAsAsync("demo-admin");
        await admin.PostJsonAsync("/api/commission-rules", new { name = "合伙人 5%", appliesTo = new[] { "PartTimeGuide" }, basisPoints = 500, effectiveFrom = "2026-01-01T00:00:00Z" }, HttpStatusCode.Created);
        var tenant = await TenantAsync(database);
        await using (var db = database.NewContext(tenant))
        {
            db.Categories.AddRange(Core.Features.Catalog.Category.Create(tenant, "sofa", "沙发"), Core.Features.Catalog.Category.Create(tenant, "lighting", "灯具"));
            await db.SaveChangesAsync(Ct);
        }
        var (partner, code) = await PartnerAsync(admin, "SH-XH", "设计师周工", "zhou-partner");
        var store = await admin.StoreIdAsync("SH-XH");
        var now = DateTimeOffset.UtcNow;

        // MM-1: placed 10 days ago, completed 8 days ago, settled, then line 2 partly refunded. MM-2: placed 2 days ago, pending.
        var first = await admin.PostJsonAsync("/api/orders", Order("MM-1", store, "13800138111", code, now.AddDays(-10)), HttpStatusCode.Created);
        await admin.PostJsonAsync($"/api/orders/{first.Str("id")}/events", new { kind = "Completed", at = now.AddDays(-8) }, HttpStatusCode.OK);
        (await admin.PostJsonAsync("/api/settlement/run", new { }, HttpStatusCode.OK)).GetProperty("orders").GetInt32().ShouldBe(1);
        var refund = await admin.PostJsonAsync($"/api/orders/{first.Str("id")}/events", new { kind = "Refunded", key = "RF-1", lines = new[] { new { lineNo = 2, amount = 100.00m } } }, HttpStatusCode.OK);
        var second = await admin.PostJsonAsync("/api/orders", Order("MM-2", store, "13800138112", code, now.AddDays(-2)), HttpStatusCode.Created);
        var firstCommission = first.GetProperty("commission").EnumerateArray().Sum(c => c.GetProperty("amountFen").GetInt64());
        var secondCommission = second.GetProperty("commission").EnumerateArray().Sum(c => c.GetProperty("amountFen").GetInt64());
        var reversed = refund.GetProperty("reversedFen").GetInt64();
        reversed.ShouldBeGreaterThan(0);

        using var partnerClient = await server.ClientAsAsync("zhou-partner", "partner-pass-1");
        var today = BrandCalendar.DayOf(now, Shanghai);
        var (from, to) = (today.AddDays(-30), today.AddDays(1));
        var json = await DownloadAsync(partnerClient, $"from={Day(from)}&to={Day(to)}");
        var s = Parse(json);

        s.Holder.ShouldBe($"PartTimeGuide:{partner}");
        s.HolderName.ShouldBe("设计师周工");
        // Accrual 2 + settlement 2×2 + refund 1 + accrual 2, in chain order.
        s.Entries.Select(e => e.Seq).ShouldBe([1, 2, 3, 4, 5, 6, 7, 8, 9]);
        s.Entries.Select(e => e.Reason).ShouldBe(["commission", "commission", "settled", "settled", "settled", "settled", "refund", "commission", "commission"]);
        var closing = s.Balances.ToDictionary(b => b.Bucket, b => b.ClosingFen);
        closing["Pending"].ShouldBe(secondCommission);
        closing["Available"].ShouldBe(firstCommission - reversed);
        closing["Withdrawing"].ShouldBe(0);
        closing["PaidOut"].ShouldBe(0);
        s.OpeningFen.ShouldBe(0);
        s.ClosingFen.ShouldBe(firstCommission + secondCommission - reversed);
        s.Balances.ShouldAllBe(b => b.ClosingFen == b.OpeningFen + b.MovementFen);
        s.Entries.Sum(e => e.AmountFen).ShouldBe(s.ClosingFen - s.OpeningFen);
        var running = s.OpeningFen;
        foreach (var e in s.Entries)
        {
            running += e.AmountFen;
            e.BalanceFen.ShouldBe(running);
        }
        s.Entries[^1].BalanceFen.ShouldBe(s.ClosingFen);
        s.Entries.Where(e => e.Bucket == "Available").Last().BucketBalanceFen.ShouldBe(closing["Available"]);
        s.Head.Seq.ShouldBe(9);
        s.Head.Hash.ShouldBe(s.Entries[^1].Hash);
        s.Chain.Count.ShouldBe(9);
        s.Chain[^1].Hash.ShouldBe(s.Head.Hash);
        StatementChain.Check(new ChainFile(s.Holder, s.Head, s.Chain)).Ok.ShouldBeTrue();

        // The orders: customers masked, the rule and its version, statuses as they stand.
        s.Orders.Select(o => o.OrderNo).ShouldBe(["MM-1", "MM-2"]);
        s.Orders[0].Customer.ShouldBe("138****8111");
        s.Orders[0].Store.ShouldBe("上海徐汇旗舰店");
        var rate = first.GetProperty("commission")[0].Str("rate");
        rate.ShouldContain("%");
        s.Orders[0].Lines.ShouldAllBe(l => l.RuleName == "合伙人 5%" && l.RuleVersion == 1 && l.Rate == rate);
        s.Orders[0].Lines.Select(l => l.Status).ShouldBe(["Available", "Available"]);
        s.Orders[0].Lines.Sum(l => l.ReversedFen).ShouldBe(reversed);
        s.Orders[1].Lines.Select(l => l.Status).ShouldBe(["Pending", "Pending"]);
        json.AsSpan().IndexOf("13800138111"u8).ShouldBe(-1);

        // Two adjacent periods: the first's closing is the second's opening, bucket by bucket.
        var split = today.AddDays(-5);
        var early = Parse(await DownloadAsync(partnerClient, $"from={Day(from)}&to={Day(split)}"));
        var late = Parse(await DownloadAsync(partnerClient, $"from={Day(split)}&to={Day(to)}"));
        foreach (var b in early.Balances) late.Balances.Single(x => x.Bucket == b.Bucket).OpeningFen.ShouldBe(b.ClosingFen);
        (early.Entries.Count + late.Entries.Count).ShouldBe(9);
        late.ClosingFen.ShouldBe(s.ClosingFen);
        // The early head covers its own entries (the refund, posted later, is not in it).
        early.Head.Seq.ShouldBe(early.Entries.Max(e => e.Seq));

        // CSV: UTF-8 with a BOM, one row per entry, the same numbers as the JSON.
        var csvBytes = await DownloadAsync(partnerClient, $"from={Day(from)}&to={Day(to)}&format=csv");
        csvBytes.Take(3).ShouldBe(new byte[] { 0xEF, 0xBB, 0xBF });
        using (var reader = new CsvReader(new StreamReader(new MemoryStream(csvBytes)), new CsvConfiguration(CultureInfo.InvariantCulture) { AllowComments = true }))
        {
            reader.Read();
            reader.ReadHeader();
            var rows = new List<(long Seq, string Amount, string Balance, string OrderNo, string Customer, string Rule, string Hash)>();
            while (reader.Read())
                rows.Add((long.Parse(reader.GetField("序号 seq")!, CultureInfo.InvariantCulture), reader.GetField("金额 amount")!, reader.GetField("合计余额 balance")!,
                    reader.GetField("订单号 order no")!, reader.GetField("顾客 customer")!, reader.GetField("规则 rule")!, reader.GetField("哈希 hash")!));
            rows.Select(r => r.Seq).ShouldBe(s.Entries.Select(e => e.Seq));
            rows.Select(r => r.Amount).ShouldBe(s.Entries.Select(e => StatementFiles.Yuan(e.AmountFen)));
            rows.Select(r => r.Balance).ShouldBe(s.Entries.Select(e => StatementFiles.Yuan(e.BalanceFen)));
            rows.Select(r => r.Hash).ShouldBe(s.Entries.Select(e => e.Hash));
            rows[0].OrderNo.ShouldBe("MM-1");
            rows[0].Customer.ShouldBe("138****8111");
            rows[0].Rule.ShouldBe("合伙人 5%");
        }

        // XLSX: the entries sheet and the chain sheet say what the JSON says; the chain reads back for verification.
        var xlsx = await DownloadAsync(partnerClient, $"from={Day(from)}&to={Day(to)}&format=xlsx");
        using (var book = new XLWorkbook(new MemoryStream(xlsx)))
        {
            var entries = book.Worksheet(StatementFiles.EntriesSheet).RowsUsed().Skip(1).ToList();
            entries.Select(r => r.Cell(1).GetString()).ShouldBe(s.Entries.Select(e => e.Seq.ToString(CultureInfo.InvariantCulture)));
            entries.Select(r => r.Cell(7).GetString()).ShouldBe(s.Entries.Select(e => StatementFiles.Yuan(e.BalanceFen)));
            var orders = book.Worksheet(StatementFiles.OrdersSheet).RowsUsed().Skip(1).ToList();
            orders.Count.ShouldBe(s.Orders.Sum(o => o.Lines.Count));
            orders[0].Cell(4).GetString().ShouldBe("138****8111");
        }
        var chain = StatementFiles.ReadChain(xlsx);
        chain.Head.ShouldBe(s.Head);
        chain.Chain.ShouldBe(s.Chain);
        StatementChain.Verify(chain, StatementFiles.ReadChain(json)).Ok.ShouldBeTrue();

        // Every download is recorded with its head (5 so far) and audited.
        var heads = await partnerClient.GetJsonAsync("/api/statements/heads");
        heads.Str("holder").ShouldBe(s.Holder);
        var list = heads.GetProperty("heads").EnumerateArray().ToList();
        list.Count.ShouldBe(5);
        list[0].Str("format").ShouldBe("xlsx");
        list[0].GetProperty("headSeq").GetInt64().ShouldBe(9);
        list[0].Str("headHash").ShouldBe(s.Head.Hash);
        list.ShouldContain(h => h.GetProperty("headSeq").GetInt64() == early.Head.Seq && h.Str("format") == "json");
        await using var check = database.NewContext(tenant);
        (await check.AuditEntries.CountAsync(a => a.Action == "statement.download" && a.EntityId == s.Holder, Ct)).ShouldBe(5);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task PartnersSeeOnlyTheirOwn_ManagersTheirScope_AndBadInputWritesNothing(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        using var admin = await server.ClientAsAsync("demo-admin");
        var (mine, _) = await PartnerAsync(admin, "SH-XH", "业主李先生", "li-partner");
        var (far, _) = await PartnerAsync(admin, "GZ-TH", "广州设计师", "gz-partner");
        var holder = $"PartTimeGuide:{mine}";

        using var other = await server.ClientAsAsync("gz-partner", "partner-pass-1");
        await DownloadAsync(other, $"holder={holder}", HttpStatusCode.Forbidden);
        (await other.GetAsync($"/api/statements/heads?holder={holder}", Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        Parse(await DownloadAsync(other, "")).Holder.ShouldBe($"PartTimeGuide:{far}");

        using var guide = await server.ClientAsAsync("demo-guide");
        await DownloadAsync(guide, $"holder={holder}", HttpStatusCode.Forbidden);
        Parse(await DownloadAsync(guide, "")).HolderKind.ShouldBe("OfficialGuide");

        // The Xuhui store manager (money.read) sees the Xuhui partner, not the Guangzhou one (404: not theirs to know of).
        using var manager = await server.ClientAsAsync("demo-store");
        Parse(await DownloadAsync(manager, $"holder={holder}")).Holder.ShouldBe(holder);
        await DownloadAsync(manager, $"holder=PartTimeGuide:{far}", HttpStatusCode.NotFound);
        Parse(await DownloadAsync(admin, $"holder=PartTimeGuide:{far}&format=json")).Holder.ShouldBe($"PartTimeGuide:{far}");

        var tenant = await TenantAsync(database);
        await using var check = database.NewContext(tenant);
        var before = await check.StatementDownloads.CountAsync(Ct);
        before.ShouldBe(4);
        JsonDocument.Parse(await DownloadAsync(manager, "from=2026-13-01&to=x", HttpStatusCode.BadRequest)).RootElement.ErrorFields().ShouldBe(["from", "to"]);
        JsonDocument.Parse(await DownloadAsync(manager, "from=2026-11-01&to=2026-10-01&format=pdf", HttpStatusCode.BadRequest)).RootElement.ErrorFields().ShouldBe(["format", "to"]);
        JsonDocument.Parse(await DownloadAsync(manager, "holder=nobody", HttpStatusCode.BadRequest)).RootElement.ErrorFields().ShouldBe(["holder"]);
        (await check.StatementDownloads.CountAsync(Ct)).ShouldBe(before);
    }
}
