using Guidelink.Core.Features.Commission;
using Guidelink.Core.Features.Orders;
using Guidelink.Core.Persistence;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Core.Tests;

/// <summary>A tiered rule pays the higher rate once the owner's month-to-date sales before the order reach the tier:
/// orders already in the database (in any order of placedAt, late ones included) and the earlier orders of the same
/// batch count, later ones do not.</summary>
public sealed class IngestMonthToDateTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task TheTierFollowsTheSalesBeforeEachOrder_AcrossCallsAndWithinABatch(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var services = new TestServices(database);
        var tenant = await services.SeedDemoBrandAsync(Ct);
        // 5 %, 8 % once the month's sales before the order reach ¥1,000.
        var store = await services.SofaStoreWithPartnerRuleAsync(tenant, "阶梯", 500, [new RateTier(100_000, 800)], Ct);
        var code = (await services.ApprovedPartnerAsync(tenant, store.Value, "阶梯合伙人", Ct)).Code;

        // 30 orders of ¥50–¥149 at scattered times of one month (brand time), sent in calls of 1, 1, 1, 5, 10 and 12 orders.
        var random = new Random(20261201);
        var orders = Enumerable.Range(0, 30).Select(i => (
            No: $"MTD-{i}",
            Yuan: 50 + random.Next(100),
            At: new DateTimeOffset(2026, 10, 3, 2, 0, 0, TimeSpan.Zero).AddMinutes(random.Next(25 * 24 * 60)))).ToList();
        var expectedTier = new List<bool>();
        var earlier = new List<(DateTimeOffset At, long Fen)>();
        foreach (var o in orders)
        {
            expectedTier.Add(earlier.Where(e => e.At < o.At).Sum(e => e.Fen) >= 100_000);
            earlier.Add((o.At, o.Yuan * 100L));
        }

        var ids = new List<Guid>();
        var start = 0;
        foreach (var size in new[] { 1, 1, 1, 5, 10, 12 })
        {
            await using var scope = services.ScopeFor(tenant);
            var batch = orders.Skip(start).Take(size).Select((o, k) => new IngestOrders.OrderRequest("MiniMall", o.No, store.Value, null,
                new IngestOrders.CustomerRequest(null, $"1370000{start + k:0000}", null, null), code,
                [new IngestOrders.LineRequest("SOFA-01", "云朵沙发", "sofa", 1, o.Yuan, null)], null, 0m, 0m, o.Yuan, o.At, o.At, null)).ToList();
            var results = await scope.ServiceProvider.GetRequiredService<IngestOrders.Handler>().HandleAsync(batch, null, Ct);
            results.ShouldAllBe(r => r.Status == IngestOrders.ItemStatus.Created);
            ids.AddRange(results.Select(r => r.OrderId!.Value));
            start += size;
        }

        await using var check = services.ScopeFor(tenant);
        var lines = await check.ServiceProvider.GetRequiredService<GuidelinkDb>().CommissionLines.AsNoTracking()
            .Where(c => c.Kind == CommissionLineKind.Sale).Select(c => new { c.OrderId, c.Tier, c.AmountFen }).ToListAsync(Ct);
        for (var i = 0; i < orders.Count; i++)
        {
            var line = lines.Single(l => l.OrderId == ids[i]);
            (line.Tier is not null).ShouldBe(expectedTier[i], $"order {i} at {orders[i].At:u}");
            line.AmountFen.ShouldBe(orders[i].Yuan * (expectedTier[i] ? 8L : 5L), $"order {i}");
        }
        expectedTier.ShouldContain(true);
        expectedTier.ShouldContain(false);
    }
}
