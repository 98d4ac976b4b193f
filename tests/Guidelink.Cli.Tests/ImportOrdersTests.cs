using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using Guidelink.Core;
using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Features.Commission;
using Guidelink.Core.Features.Demo;
using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Features.Orders;
using Guidelink.Core.Features.Partners;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Cli.Tests;

/// <summary>`guidelink import orders` on an excerpt of the real online-retail file (its first 3,000 lines, gzip) with
/// crafted cancellations: invoices become orders, cancellations refund the customer's most recent earlier purchase and
/// reverse its commission exactly, bad and unmatched lines are reported, and a second run changes nothing.</summary>
public sealed class ImportOrdersTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string DataFile = Path.Combine(FindShared(), "data", "online_retail.csv.gz");

    private static string FindShared()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (Directory.Exists(Path.Combine(dir.FullName, "shared", "data"))) return Path.Combine(dir.FullName, "shared");
        return "/work/shared";
    }

    /// <summary>Customer 17850 bought 85123A (2.55) at 08:26, 09:02, 09:32, 10:51 (6 each) and 11:33 (8), and 71053 (3.39)
    /// in the same invoices, 32 units in all — all on 2010-12-01 in the excerpt.</summary>
    private static readonly string[] Crafted =
    [
        "C900001,85123A,WHITE HANGING HEART T-LIGHT HOLDER,-3,2010-12-01 09:10:00,2.55,17850,United Kingdom", // matched: the 09:02 purchase, not a later one
        "C900002,85123A,WHITE HANGING HEART T-LIGHT HOLDER,-2,2010-12-02 10:00:00,2.55,17850,United Kingdom", // matched: the 11:33 purchase
        "C900002,71053,WHITE METAL LANTERN,-40,2010-12-02 10:00:00,3.39,17850,United Kingdom",               // partially: 32 of 40
        "C900003,NOPE-1,NOTHING,-1,2010-12-02 10:05:00,1.00,17850,United Kingdom",                           // unmatched: never bought
        "C900004,85123A,WHITE HANGING HEART T-LIGHT HOLDER,-1,2010-12-02 10:06:00,2.55,,United Kingdom",     // unmatched: no CustomerID
        "900005,85123A,WHITE HANGING HEART T-LIGHT HOLDER,2,2010-12-02 11:00:00,2.55,17850,United Kingdom",
        "900005,22633,HAND WARMER UNION JACK,1,2010-12-02 11:00:00,1.005,17850,United Kingdom",              // rejected: 3 decimals
        "900005,71053,WHITE METAL LANTERN,0,2010-12-02 11:00:00,3.39,17850,United Kingdom",                  // rejected: quantity 0
    ];

    private static long Figure(string output, string label) =>
        long.Parse(Regex.Match(output, $@"^\s*{label}\s+([\d,]+)", RegexOptions.Multiline).Groups[1].Value.Replace(",", "", StringComparison.Ordinal),
            System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The excerpt, gzip-compressed, under a name without .gz (the import must tell by the magic bytes): the header
    /// and the file's first 3,000 lines less its own cancellations (they refer to purchases before the file begins, so they
    /// would only add unmatched lines), then the crafted lines. Returns the file and the line number of the first crafted line.</summary>
    private static async Task<(string File, int Crafted, int Lines, int BadQuantity)> ExcerptAsync(string folder)
    {
        var lines = new List<string>();
        await using (var gz = new GZipStream(File.OpenRead(DataFile), CompressionMode.Decompress))
        using (var reader = new StreamReader(gz, Encoding.UTF8))
            for (var i = 0; i < 3001 && await reader.ReadLineAsync(Ct) is { } line; i++)
                if (!line.StartsWith('C')) lines.Add(line);
        var badQuantity = lines.Skip(1).Count(l => int.Parse(l.Split(',')[^5], System.Globalization.CultureInfo.InvariantCulture) <= 0);
        var file = Path.Combine(folder, "excerpt.csv");
        await using (var output = new GZipStream(File.Create(file), CompressionLevel.Fastest))
        await using (var writer = new StreamWriter(output, new UTF8Encoding(false)))
            foreach (var line in lines.Concat(Crafted)) await writer.WriteLineAsync(line);
        return (file, lines.Count + 1, lines.Count - 1 + Crafted.Length, badQuantity);
    }

    private static string At(int line) => line.ToString(System.Globalization.CultureInfo.InvariantCulture) + ",";

    /// <summary>The demo org, a partner who touched customer 17850 before the file begins (so their orders earn commission),
    /// and a 5% rule for partners in force since 2010.</summary>
    private static async Task<(TenantId Tenant, Guid Partner)> SeedAsync(TestDatabase database)
    {
        (await CliRunner.RunAsync(database, "seed", "demo", "--org-only")).ExitCode.ShouldBe(0);
        var configuration = new ConfigurationBuilder().AddCommandLine(database.Args).Build();
        await using var services = new ServiceCollection().AddLogging().AddGuidelinkCore(configuration).BuildServiceProvider();
        await using var scope = services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<GuidelinkDb>();
        var tenant = (await db.Tenants.SingleAsync(t => t.Slug == SeedDemoBrand.Slug, Ct)).Id;
        sp.GetRequiredService<TenantContext>().Set(tenant);
        sp.GetRequiredService<ActorContext>().Current = Actor.System(tenant, "test");
        var store = await db.Stores.Where(s => s.Code == "SH-XH").Select(s => s.Id).SingleAsync(Ct);
        var partner = (await sp.GetRequiredService<RegisterPartner.Handler>().HandleAsync(new RegisterPartner.Request("PartTimeGuide", "英国合伙人", null, null, store.Value), Ct)).Value!;
        (await sp.GetRequiredService<ChangePartnerStatus.Handler>().HandleAsync(new ChangePartnerStatus.Request(partner.Id, ChangePartnerStatus.Change.Approve), Ct)).IsOk.ShouldBeTrue();
        var code = (await sp.GetRequiredService<GetReferralCode.Handler>().HandleAsync(new GetReferralCode.Request(null, partner.Id, null), Ct)).Value!.Code;
        (await sp.GetRequiredService<RecordTouch.Handler>().HandleAsync(new RecordTouch.Request(code, null, "ShareLink", "QrScan", null, null,
            ImportOrders.CustomerKeyPrefix + "17850", null, null, new DateTimeOffset(2010, 11, 30, 0, 0, 0, TimeSpan.Zero), null), Ct)).IsOk.ShouldBeTrue();
        (await sp.GetRequiredService<SaveCommissionRule.Handler>().HandleAsync(new RuleDefinition(null, 0, "合伙人 5%", ["PartTimeGuide"], null, null, null, null, 0, 500,
            null, null, null, null, false, null, null, new DateTimeOffset(2010, 1, 1, 0, 0, 0, TimeSpan.Zero), null), Ct)).IsOk.ShouldBeTrue();
        return (tenant, partner.Id);
    }

    private sealed record Snapshot(int Orders, int Lines, int Events, int Customers, int Stores, int Products, int Commission, int Entries, long EntrySum,
        long Refunded, long Reversed, long PartnerPending);

    private static async Task<Snapshot> SnapshotAsync(TestDatabase database, TenantId tenant, Guid partner)
    {
        await using var db = database.NewContext(tenant);
        var pending = (await LedgerBook.BalancesAsync(db, $"PartTimeGuide:{partner}", null, Ct)).GetValueOrDefault(LedgerBucket.Pending);
        return new Snapshot(await db.Orders.CountAsync(Ct), await db.OrderLines.CountAsync(Ct), await db.OrderEvents.CountAsync(Ct), await db.Customers.CountAsync(Ct),
            await db.Stores.CountAsync(Ct), await db.Products.CountAsync(Ct), await db.CommissionLines.CountAsync(Ct), await db.LedgerEntries.CountAsync(Ct),
            await db.LedgerEntries.SumAsync(e => e.AmountFen, Ct), await db.Orders.SumAsync(o => o.RefundedFen, Ct),
            await db.CommissionLines.SumAsync(c => c.ReversedFen, Ct), pending);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Import_OfARealExcerpt_CreatesOrders_RefundsCancellationsReversingCommission_ReportsTheRest_AndASecondRunChangesNothing(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var (tenant, partner) = await SeedAsync(database);
        var folder = Directory.CreateTempSubdirectory("guidelink-orders-");
        var (file, crafted, lineCount, badQuantity) = await ExcerptAsync(folder.FullName);
        var report = Path.Combine(folder.FullName, "rejected.csv");

        var bad = await CliRunner.RunAsync(database, "import", "orders", file, "--map", "InvoiceNo=nonsense");
        bad.ExitCode.ShouldBe(1);
        bad.Error.ShouldContain("--map");
        var withoutCreate = await CliRunner.RunAsync(database, "import", "orders", file);
        withoutCreate.ExitCode.ShouldBe(0, withoutCreate.Error);
        Figure(withoutCreate.Output, "orders created").ShouldBe(0); // no store "United Kingdom" …: every line reported, nothing written
        (await SnapshotAsync(database, tenant, partner)).Orders.ShouldBe(0);

        var first = await CliRunner.RunAsync(database, "import", "orders", file, "--tenant", "qimu", "--create-missing", "--report", report);

        first.ExitCode.ShouldBe(0, first.Error);
        first.Output.ShouldNotContain("\u001b[");
        Figure(first.Output, "lines").ShouldBe(lineCount);
        Figure(first.Output, "cancel lines").ShouldBe(5);
        Figure(first.Output, "refunded").ShouldBe(3);           // C900001, C900002 ×2 (one of them partially)
        Figure(first.Output, "partially matched").ShouldBe(1);
        Figure(first.Output, "unmatched").ShouldBe(2);
        Figure(first.Output, "rejected").ShouldBe(2 + badQuantity);

        var rejected = (await File.ReadAllLinesAsync(report, Ct)).Skip(1).Where(l => l.Length > 0).ToList();
        rejected.Count.ShouldBe(2 + badQuantity + 3);
        rejected.ShouldContain(l => l.StartsWith(At(crafted + 6) + "price: 1.005 has more than 2 decimals", StringComparison.Ordinal));
        rejected.ShouldContain(l => l.StartsWith(At(crafted + 7) + "quantity: 0 must be 1 or more", StringComparison.Ordinal));
        rejected.ShouldContain(l => l.StartsWith(At(crafted + 3) + "unmatched cancellation: no earlier purchase of NOPE-1", StringComparison.Ordinal));
        rejected.ShouldContain(l => l.StartsWith(At(crafted + 4) + "\"unmatched cancellation: no CustomerID", StringComparison.Ordinal));
        rejected.ShouldContain(l => l.StartsWith(At(crafted + 2) + "partially matched cancellation: 32 of 40 units refunded", StringComparison.Ordinal));
        rejected.ShouldContain(l => l.EndsWith(",22633,HAND WARMER UNION JACK,1,2010-12-02 11:00:00,1.005,17850,United Kingdom", StringComparison.Ordinal));

        await using (var db = database.NewContext(tenant))
        {
            var invoices = await db.Orders.Select(o => o.ExternalNo).ToListAsync(Ct);
            invoices.ShouldNotContain(n => n.StartsWith('C'));
            invoices.ShouldContain("536365");
            invoices.ShouldContain("900005");
            var uk = await db.Stores.SingleAsync(s => s.Code == "United Kingdom", Ct);
            var first536365 = await db.Orders.Include(o => o.Lines).SingleAsync(o => o.ExternalNo == "536365", Ct);
            first536365.StoreId.ShouldBe(uk.Id);
            first536365.Channel.ShouldBe(OrderChannel.Other);
            first536365.PlacedAt.ShouldBe(new DateTimeOffset(2010, 12, 1, 8, 26, 0, TimeSpan.FromHours(8))); // the brand's zone (Asia/Shanghai)
            first536365.Lines.Count.ShouldBe(7);
            first536365.PaidFen.ShouldBe(first536365.Lines.Sum(l => l.PaidFen));
            first536365.CreditId.ShouldBe(partner);
            var customer = await db.Customers.SingleAsync(c => c.ExternalUserId == "import:17850", Ct);
            first536365.CustomerId.ShouldBe(customer.Id);
            (await db.Orders.SingleAsync(o => o.ExternalNo == "900005", Ct)).PaidFen.ShouldBe(510);
            // Lines without a CustomerID are anonymous orders, counted for the store.
            (await db.Orders.CountAsync(o => o.CustomerId == null, Ct)).ShouldBeGreaterThan(0);

            // C900001 at 09:10 refunds 3 × 2.55 of the 09:02 purchase — not of a later one.
            var refunds = await db.OrderEvents.Where(e => e.Kind == OrderEventKind.Refunded).ToListAsync(Ct);
            var at0902 = await db.Orders.Include(o => o.Lines).SingleAsync(o => o.ExternalNo == "536373", Ct);
            refunds.Single(e => e.Key == "C900001/1").OrderId.ShouldBe(at0902.Id);
            refunds.Single(e => e.Key == "C900001/1").AmountFen.ShouldBe(765);
            var at1133 = await db.Orders.SingleAsync(o => o.ExternalNo == "536406", Ct);
            refunds.Single(e => e.Key == "C900002/1").OrderId.ShouldBe(at1133.Id);
            refunds.Single(e => e.Key == "C900002/1").AmountFen.ShouldBe(510);
            // 71053: all 32 units bought before, across five orders.
            refunds.Where(e => e.Key == "C900002/2").Sum(e => e.AmountFen).ShouldBe(32 * 339);
            refunds.Count(e => e.Key == "C900002/2").ShouldBe(5);

            // Commission reversed exactly: per refunded line, round(commission × refunded ÷ paid); a fully refunded line all of it.
            var commission = await db.CommissionLines.Where(c => c.EarnerId == partner).ToListAsync(Ct);
            commission.ShouldNotBeEmpty();
            var lanternLine = at0902.Lines.Single(l => l.Sku == "71053");
            var lanternCommission = commission.Single(c => c.OrderId == at0902.Id && c.LineNo == lanternLine.LineNo);
            lanternCommission.ReversedFen.ShouldBe(lanternCommission.AmountFen);
            var heartLine = at0902.Lines.Single(l => l.Sku == "85123A");
            var heartCommission = commission.Single(c => c.OrderId == at0902.Id && c.LineNo == heartLine.LineNo);
            heartCommission.ReversedFen.ShouldBe((heartCommission.AmountFen * 765 * 2 + heartLine.PaidFen) / (2 * heartLine.PaidFen));
            var entries = await db.LedgerEntries.AsNoTracking().ToListAsync(Ct);
            entries.GroupBy(e => e.PostingId).ShouldAllBe(g => g.Sum(e => e.AmountFen) == 0);
        }
        var before = await SnapshotAsync(database, tenant, partner);
        before.PartnerPending.ShouldBe(before.Commission == 0 ? 0 : await StandingAsync(database, tenant, partner));
        before.Reversed.ShouldBeGreaterThan(0);

        var second = await CliRunner.RunAsync(database, "import", "orders", file, "--create-missing");

        second.ExitCode.ShouldBe(0, second.Error);
        Figure(second.Output, "orders created").ShouldBe(0);
        Figure(second.Output, "orders present").ShouldBe(Figure(first.Output, "orders created"));
        Figure(second.Output, "refunded").ShouldBe(0);
        Figure(second.Output, "refunds present").ShouldBe(3);
        Figure(second.Output, "customers created").ShouldBe(0);
        (await SnapshotAsync(database, tenant, partner)).ShouldBe(before);
        folder.Delete(recursive: true);
    }

    /// <summary>With no owner among the file's customers the import uses both cores (the halves of each chunk ingested at
    /// once, the previous chunk's cancellations refunded meanwhile): it must write exactly what the import one step after the
    /// other writes — the same orders, first-order flags, refunds, customers, products, figures and report. The file's first
    /// 12,000 lines, its own cancellations included, in chunks of 40 invoices.</summary>
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Import_OnBothCores_WritesWhatOneStepAfterTheOtherWrites(DatabaseProvider provider)
    {
        var folder = Directory.CreateTempSubdirectory("guidelink-orders-");
        var file = Path.Combine(folder.FullName, "head.csv");
        await using (var gz = new GZipStream(File.OpenRead(DataFile), CompressionMode.Decompress))
        using (var reader = new StreamReader(gz, Encoding.UTF8))
        await using (var writer = new StreamWriter(file, false, new UTF8Encoding(false)))
            for (var i = 0; i < 12_001 && await reader.ReadLineAsync(Ct) is { } line; i++) await writer.WriteLineAsync(line);

        var runs = new List<(ImportOrders.Response Response, string Report, List<string> Rows)>();
        foreach (var concurrent in new[] { false, true })
        {
            await using var database = await TestDatabase.CreateAsync(provider);
            (await CliRunner.RunAsync(database, "seed", "demo", "--org-only")).ExitCode.ShouldBe(0);
            var configuration = new ConfigurationBuilder().AddCommandLine(database.Args).Build();
            await using var services = new ServiceCollection().AddLogging().AddGuidelinkCore(configuration).BuildServiceProvider();
            await using var scope = services.CreateAsyncScope();
            var sp = scope.ServiceProvider;
            var tenant = (await sp.GetRequiredService<GuidelinkDb>().Tenants.SingleAsync(t => t.Slug == SeedDemoBrand.Slug, Ct)).Id;
            sp.GetRequiredService<TenantContext>().Set(tenant);
            sp.GetRequiredService<ActorContext>().Current = Actor.System(tenant, "test");
            var report = new StringWriter();
            await using var input = File.OpenRead(file);
            var outcome = await sp.GetRequiredService<ImportOrders.Handler>().HandleAsync(
                new ImportOrders.Request(input, null, true, report, BatchSize: 40, Concurrent: concurrent), Ct);
            outcome.IsOk.ShouldBeTrue();
            runs.Add((outcome.Value! with { Elapsed = TimeSpan.Zero }, report.ToString(), await RowsAsync(database, tenant)));
        }
        runs[0].Response.Refunded.ShouldBeGreaterThan(0);
        runs[0].Response.Unmatched.ShouldBeGreaterThan(0);
        runs[1].Response.ShouldBe(runs[0].Response);
        runs[1].Report.ShouldBe(runs[0].Report);
        runs[1].Rows.ShouldBe(runs[0].Rows);
        folder.Delete(recursive: true);
    }

    /// <summary>What an import wrote, without the ids (new on every run), one sorted line per row.</summary>
    private static async Task<List<string>> RowsAsync(TestDatabase database, TenantId tenant)
    {
        await using var db = database.NewContext(tenant);
        var stores = await db.Stores.AsNoTracking().ToDictionaryAsync(s => s.Id, s => s.Code, Ct);
        var customers = await db.Customers.AsNoTracking().ToListAsync(Ct);
        var customerKey = customers.ToDictionary(c => c.Id, c => c.ExternalUserId);
        var orders = await db.Orders.AsNoTracking().Include(o => o.Lines).ToListAsync(Ct);
        var orderNo = orders.ToDictionary(o => o.Id, o => o.ExternalNo);
        var rows = new List<string>();
        rows.AddRange(customers.Select(c => $"customer {c.ExternalUserId} {(c.HomeStoreId is { } s ? stores[s] : "-")} {c.OwnerKind}"));
        rows.AddRange((await db.Products.AsNoTracking().ToListAsync(Ct)).Select(p => $"product {p.Sku} {p.Name} {p.CategoryCode}"));
        foreach (var o in orders)
        {
            rows.Add($"order {o.ExternalNo} {(o.CustomerId is { } c ? customerKey[c] : "-")} {stores[o.StoreId]} {o.PlacedAt:O} {o.IsFirstOrder} {o.CreditNote} {o.PaidFen} {o.RefundedFen}");
            rows.AddRange(o.Lines.Select(l => $"line {o.ExternalNo} {l.LineNo} {l.Sku} {l.Name} {l.Category} {l.Quantity} {l.UnitPriceFen} {l.PaidFen} {l.RefundedFen}"));
        }
        rows.AddRange((await db.OrderEvents.AsNoTracking().ToListAsync(Ct)).Select(e => $"event {orderNo[e.OrderId]} {e.Kind} {e.Key} {e.At:O} {e.Note} {e.AmountFen} {e.RefundLines}"));
        rows.Sort(StringComparer.Ordinal);
        return rows;
    }

    private static async Task<long> StandingAsync(TestDatabase database, TenantId tenant, Guid partner)
    {
        await using var db = database.NewContext(tenant);
        return await db.CommissionLines.Where(c => c.EarnerId == partner).SumAsync(c => c.AmountFen - c.ReversedFen, Ct);
    }
}
