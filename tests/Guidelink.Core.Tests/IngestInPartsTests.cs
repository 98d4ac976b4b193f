using Guidelink.Core.Features.Catalog;
using Guidelink.Core.Features.Commission;
using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Features.Orders;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Core.Tests;

/// <summary>A batch of 500 orders or more is written in parts while its later parts are decided
/// (<see cref="OrderBulkWrite.Pipeline"/>). It must decide exactly what the same orders decide in calls too small for
/// that: the same credit, commission lines (tiers and the bounty's daily cap included, whose first read of an owner
/// comes in a later part, while an earlier one is being written) and ledger, each earner's chain unbroken.</summary>
public sealed class IngestInPartsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task ABatchWrittenInParts_DecidesWhatSmallCallsDecide(DatabaseProvider provider)
    {
        var inParts = await IngestAsync(provider, callSize: 700);
        var small = await IngestAsync(provider, callSize: 100);
        inParts.Orders.Count.ShouldBe(700);
        inParts.Orders.ShouldBe(small.Orders);
        inParts.Lines.ShouldBe(small.Lines);
        inParts.Balances.ShouldBe(small.Balances);
        inParts.Lines.Count(l => l.Contains("Bounty", StringComparison.Ordinal)).ShouldBeGreaterThan(0);
        inParts.Lines.Count(l => l.Contains("MTD", StringComparison.Ordinal)).ShouldBeGreaterThan(0);
    }

    /// <summary>Two batches in parts for the same partner at once: both read the partner's chain head before either has
    /// written, so the second to write collides with the first on the chain (unique holder and seq), rolls back every part
    /// it had written and is replayed item by item. Nothing of the rolled-back parts may stay: the database does not hold
    /// an order line, commission line or ledger entry to its parent (docs/decisions/0009), so this checks it from the rows.</summary>
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task TwoBatchesOnOneChainAtOnce_TheLoserIsReplayed_AndLeavesNoOrphans(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var services = new TestServices(database);
        var tenant = await services.SeedDemoBrandAsync(Ct);
        var store = await services.SofaStoreWithPartnerRuleAsync(tenant, "合伙人 5%", 500, null, Ct);
        var code = (await services.ApprovedPartnerAsync(tenant, store.Value, "合伙人", Ct)).Code;
        List<IngestOrders.OrderRequest> Batch(string prefix) => Enumerable.Range(0, 2 * OrderBulkWrite.PartSize + 100).Select(i =>
            new IngestOrders.OrderRequest("MiniMall", $"{prefix}-{i}", store.Value, null, new IngestOrders.CustomerRequest(null, $"139{prefix[0] - 'A'}{i:0000000}", null, null), code,
                [new IngestOrders.LineRequest("SOFA-01", "云朵沙发", "sofa", 2, 100m, null), new IngestOrders.LineRequest("SOFA-02", "脚凳", "sofa", 1, 30m, null)],
                null, 0m, 0m, 230m, null, null, null)).ToList();

        var replayed = 0;
        for (var round = 0; round < 3 && replayed == 0; round++)
        {
            await using var first = services.ScopeFor(tenant);
            await using var second = services.ScopeFor(tenant);
            var a = first.ServiceProvider.GetRequiredService<IngestOrders.Handler>();
            var b = second.ServiceProvider.GetRequiredService<IngestOrders.Handler>();
            var results = await Task.WhenAll(a.HandleAsync(Batch($"{(char)('A' + 2 * round)}"), null, Ct), b.HandleAsync(Batch($"{(char)('B' + 2 * round)}"), null, Ct));
            results.SelectMany(r => r).ShouldAllBe(r => r.Status == IngestOrders.ItemStatus.Created);
            replayed += a.BatchesReplayed + b.BatchesReplayed;
        }
        replayed.ShouldBeGreaterThan(0, "the two batches never collided, so the rollback was not exercised");

        await using var check = database.NewContext(tenant);
        (await AggregateLinks.ProblemsAsync(check, Ct)).ShouldBeEmpty();
        var orders = await check.Orders.AsNoTracking().Select(o => o.Id).ToListAsync(Ct);
        (await check.OrderLines.CountAsync(Ct)).ShouldBe(2 * orders.Count);
        (await check.CommissionLines.CountAsync(Ct)).ShouldBe(2 * orders.Count);
        var chain = await check.LedgerEntries.AsNoTracking().Where(e => e.Seq > 0).ToListAsync(Ct);
        ChainsShouldBeUnbroken(chain);
        chain.Sum(e => e.AmountFen).ShouldBe(orders.Count * 1_150L); // 5 % of ¥230 on every order, once
    }

    private sealed record Outcome(List<string> Orders, List<string> Lines, List<string> Balances);

    private static async Task<Outcome> IngestAsync(DatabaseProvider provider, int callSize)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var services = new TestServices(database);
        var tenant = await services.SeedDemoBrandAsync(Ct);
        StoreId store;
        var codes = new List<string>();
        await using (var scope = services.ScopeFor(tenant))
        {
            var sp = scope.ServiceProvider;
            var db = sp.GetRequiredService<GuidelinkDb>();
            db.Categories.Add(Category.Create(tenant, "sofa", "沙发"));
            var settings = await db.CommissionSettings.FirstOrDefaultAsync(Ct);
            if (settings is null) db.CommissionSettings.Add(settings = CommissionSettings.Default(tenant));
            settings.Change(7, NegativeBalancePolicy.AllowNegative, 500, 1_500); // ¥5 a new customer, at most ¥15 a day
            await db.SaveChangesAsync(Ct);
            store = await db.Stores.Where(s => s.Code == "SH-XH").Select(s => s.Id).FirstAsync(Ct);
            for (var k = 0; k < 3; k++) codes.Add((await services.ApprovedPartnerAsync(tenant, store.Value, $"合伙人{k}", Ct)).Code);
            // 5 %, 8 % once the month's sales before the order reach ¥1,000.
            (await sp.GetRequiredService<SaveCommissionRule.Handler>().HandleAsync(new RuleDefinition(null, 0, "阶梯", ["PartTimeGuide"], null, null, null, null, 0, 500,
                null, null, [new RateTier(100_000, 800)], null, false, null, null, new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero), null), Ct)).IsOk.ShouldBeTrue();
        }

        // 700 orders over three months; the third partner's orders only from the 400th on (its first reads — chain head,
        // month-to-date, bounty of the day — come while the first parts are being written); every 7th customer buys twice.
        var random = new Random(20261202);
        var orders = Enumerable.Range(0, 700).Select(i =>
        {
            var yuan = 50 + random.Next(400);
            var at = new DateTimeOffset(2026, 8, 1, 2, 0, 0, TimeSpan.Zero).AddMinutes(random.Next(90 * 24 * 60));
            var code = codes[i < 400 ? i % 2 : i % 3];
            var phone = $"1390000{(i % 7 == 6 ? i - 1 : i):0000}";
            return new IngestOrders.OrderRequest("MiniMall", $"P-{i}", store.Value, null, new IngestOrders.CustomerRequest(null, phone, null, null), code,
                [new IngestOrders.LineRequest("SOFA-01", "云朵沙发", "sofa", 2, yuan, null), new IngestOrders.LineRequest("SOFA-02", "脚凳", "sofa", 1, 30, null)],
                null, 0m, 0m, 2 * yuan + 30, at, at, null);
        }).ToList();
        for (var start = 0; start < orders.Count; start += callSize)
        {
            await using var scope = services.ScopeFor(tenant);
            var handler = scope.ServiceProvider.GetRequiredService<IngestOrders.Handler>();
            var results = await handler.HandleAsync(orders.Skip(start).Take(callSize).ToList(), null, Ct);
            results.ShouldAllBe(r => r.Status == IngestOrders.ItemStatus.Created);
            handler.BatchesReplayed.ShouldBe(0, "the batch path itself must have written the batch, not the item-by-item replay");
        }

        await using var check = services.ScopeFor(tenant);
        var read = check.ServiceProvider.GetRequiredService<GuidelinkDb>();
        var codeOwners = await read.ReferralCodes.AsNoTracking().ToDictionaryAsync(c => c.OwnerId, c => c.Code, Ct);
        string Name(Guid? id) => id is { } g && codeOwners.TryGetValue(g, out var c) ? $"code {codes.IndexOf(c)}" : id is null ? "-" : "other";
        var byId = await read.Orders.AsNoTracking().ToDictionaryAsync(o => o.Id, o => o.ExternalNo, Ct);
        var orderRows = (await read.Orders.AsNoTracking().ToListAsync(Ct))
            .Select(o => $"{o.ExternalNo} {Name(o.CreditId)} first={o.IsFirstOrder} paid={o.PaidFen}").Order(StringComparer.Ordinal).ToList();
        var lines = (await read.CommissionLines.AsNoTracking().ToListAsync(Ct))
            .Select(l => $"{byId[l.OrderId]}/{l.LineNo} {l.Kind} {Name(l.EarnerId)} {l.AmountFen} {(l.Tier is null ? "" : "MTD")}").Order(StringComparer.Ordinal).ToList();
        var entries = await read.LedgerEntries.AsNoTracking().ToListAsync(Ct);
        ChainsShouldBeUnbroken(entries.Where(e => e.Seq > 0));
        var balances = entries.GroupBy(e => (Holder: e.Holder == Earner.Brand ? "brand" : Name(Guid.Parse(e.Holder[(e.Holder.LastIndexOf(':') + 1)..])), e.Bucket))
            .Select(g => $"{g.Key.Holder} {g.Key.Bucket} {g.Sum(e => e.AmountFen)} ({g.Count()} entries)").Order(StringComparer.Ordinal).ToList();
        return new Outcome(orderRows, lines, balances);
    }

    /// <summary>Each earner's chain runs 1, 2, 3, … without gaps, every link pointing at the hash of the one before.</summary>
    private static void ChainsShouldBeUnbroken(IEnumerable<LedgerEntry> chained)
    {
        foreach (var chain in chained.GroupBy(e => e.Holder))
        {
            var sorted = chain.OrderBy(e => e.Seq).ToList();
            sorted.Select(e => e.Seq).ShouldBe(Enumerable.Range(1, sorted.Count).Select(s => (long)s), $"chain of {chain.Key}");
            for (var k = 1; k < sorted.Count; k++) sorted[k].PrevHash.ShouldBe(sorted[k - 1].Hash);
        }
    }
}
