using Guidelink.Core.Features.Demo;
using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Features.Orders;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Guidelink.Web.Tests;

/// <summary>Settlement on two server instances over one database, as behind a load balancer: both run the job runner
/// and, on top, settle by hand at the same moment. Every due order is settled once, its money moved once.</summary>
public sealed class SettlementAcrossInstancesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task TwoInstancesSettlingAtOnce_SettleEveryDueOrderExactlyOnce_AndMoveEachFenOnce(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        // One clock for both instances (they share a database, so they share time); it only moves when the test says.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var first = await GuidelinkInstance.StartAsync(database, jobs: true, services: s => s.AddSingleton<TimeProvider>(clock));
        await using var second = await GuidelinkInstance.StartAsync(database, seedDemo: false, jobs: true, services: s => s.AddSingleton<TimeProvider>(clock));

        // The demo brand's ~200 orders through the real use cases: most settled already, the last week's still Pending.
        TenantId tenant;
        await using (var scope = first.Services.CreateAsyncScope())
        {
            tenant = await scope.ServiceProvider.GetRequiredService<GuidelinkDb>().Tenants.Where(t => t.Slug == SeedDemoBrand.Slug).Select(t => t.Id).FirstAsync(Ct);
            await scope.ServiceProvider.GetRequiredService<SeedDemoActivity.Handler>().HandleAsync(tenant, Ct);
        }
        List<Guid> due;
        SortedDictionary<string, long> before;
        await using (var db = database.NewContext(tenant))
        {
            due = await db.Orders.Where(o => o.SettledAt == null && o.SettleDueAt != null && o.OpenAfterSales == 0).Select(o => o.Id).ToListAsync(Ct);
            before = await TotalsAsync(db);
        }
        due.Count.ShouldBeGreaterThan(10); // enough to race over

        // Past every return window: both job runners wake on the same tick, and two hand-run settlements per instance join in.
        clock.Advance(TimeSpan.FromDays(9));
        async Task<SettleOrders.Response> SettleOn(GuidelinkInstance instance)
        {
            await using var scope = instance.Services.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<TenantContext>().Set(tenant);
            return await scope.ServiceProvider.GetRequiredService<SettleOrders.Handler>().HandleAsync(null, Ct);
        }
        var byHand = await Task.WhenAll(SettleOn(first), SettleOn(second), SettleOn(first), SettleOn(second));

        await using var check = database.NewContext(tenant);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        // Until the lease exists, has run at least once and is not held: a job runner that has not yet written its lease
        // row must not read as finished.
        while (!await check.JobLeases.IgnoreQueryFilters().AnyAsync(l => l.Name == "settlement" && l.RunCount > 0 && l.LockedBy == null, Ct))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The settlement job did not finish on either instance.");
            await Task.Delay(100, Ct);
        }
        var lease = await check.JobLeases.IgnoreQueryFilters().SingleAsync(l => l.Name == "settlement", Ct);
        lease.LastError.ShouldBeNull();

        var orders = await check.Orders.AsNoTracking().Where(o => due.Contains(o.Id)).ToListAsync(Ct);
        orders.ShouldAllBe(o => o.SettledAt != null);
        // One settlement posting per order that had money to move, none for the others, whoever ran it.
        var postings = await check.LedgerPostings.AsNoTracking().Where(p => p.Kind == "Settlement").Select(p => p.OrderId).ToListAsync(Ct);
        postings.GroupBy(o => o).ShouldAllBe(g => g.Count() == 1);
        var standing = await check.CommissionLines.AsNoTracking().Where(c => due.Contains(c.OrderId)).ToListAsync(Ct);
        postings.Count(o => due.Contains(o!.Value)).ShouldBe(standing.Where(c => c.StandingFen != 0).Select(c => c.OrderId).Distinct().Count());
        standing.ShouldAllBe(c => c.SettledAt != null);
        byHand.Sum(r => r.MovedFen).ShouldBeLessThanOrEqualTo(standing.Sum(c => c.StandingFen));

        // Money only moved from Pending to Available: each earner's total is unchanged, nothing is Pending any more
        // for these orders, and Available (with what was withdrawn from it) is exactly the standing commission of settled lines.
        var after = await TotalsAsync(check);
        after.ShouldBe(before);
        var lines = await check.CommissionLines.AsNoTracking().ToListAsync(Ct);
        foreach (var holder in lines.GroupBy(l => l.Holder))
        {
            var balances = await LedgerBook.BalancesAsync(check, holder.Key, null, Ct);
            // The demo's withdrawals moved some settled money on to Withdrawing and PaidOut (no fee, no tax).
            (balances.GetValueOrDefault(LedgerBucket.Available) + balances.GetValueOrDefault(LedgerBucket.Withdrawing) + balances.GetValueOrDefault(LedgerBucket.PaidOut))
                .ShouldBe(holder.Where(l => l.SettledAt != null).Sum(l => l.StandingFen), holder.Key);
            balances.GetValueOrDefault(LedgerBucket.Pending).ShouldBe(holder.Where(l => l.SettledAt == null).Sum(l => l.StandingFen), holder.Key);
        }
        (await check.LedgerEntries.AsNoTracking().GroupBy(e => e.PostingId).Select(g => g.Sum(e => e.AmountFen)).ToListAsync(Ct)).ShouldAllBe(s => s == 0);
    }

    /// <summary>Each holder's Pending + Available: settlement moves money between the two, never creates or loses any.
    /// Sorted by holder, because ShouldBe compares two maps entry by entry in order, and rows come back in no set order.</summary>
    private static async Task<SortedDictionary<string, long>> TotalsAsync(GuidelinkDb db) =>
        new((await db.LedgerEntries.AsNoTracking().Where(e => e.Bucket == LedgerBucket.Pending || e.Bucket == LedgerBucket.Available)
            .Select(e => new { e.Holder, e.AmountFen }).ToListAsync(Ct))
        .GroupBy(e => e.Holder).ToDictionary(g => g.Key, g => g.Sum(e => e.AmountFen)), StringComparer.Ordinal);
}
