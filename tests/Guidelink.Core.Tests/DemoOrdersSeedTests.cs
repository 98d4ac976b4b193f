using System.Diagnostics;
using Guidelink.Core.Features.Commission;
using Guidelink.Core.Features.Demo;
using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Features.Orders;
using Guidelink.Core.Features.Payouts;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Core.Tests;

/// <summary>The demo brand's money side, seeded through the real use cases: a plausible ledger (Pending, Available,
/// refunded), demo-partner with credited orders and a balance, and a second run that changes nothing.</summary>
public sealed class DemoOrdersSeedTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task DemoActivity_SeedsRulesAndOrders_WithARealLedger_AndIsIdempotent(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var services = new TestServices(database);
        var tenant = await services.SeedDemoBrandAsync(Ct);

        var watch = Stopwatch.StartNew();
        await using (var scope = services.ScopeFor(tenant))
            await scope.ServiceProvider.GetRequiredService<SeedDemoActivity.Handler>().HandleAsync(tenant, Ct);
        var activity = watch.Elapsed;
        TestContext.Current.TestOutputHelper?.WriteLine($"demo activity incl. orders: {activity.TotalMilliseconds:0} ms");

        await using var db = database.NewContext(tenant);
        var orders = await db.Orders.AsNoTracking().ToListAsync(Ct);
        orders.Count.ShouldBeInRange(150, 300);
        var rules = await db.CommissionRules.AsNoTracking().ToListAsync(Ct);
        rules.Count.ShouldBe(7);                                     // six rules, one of them in two versions
        rules.GroupBy(r => r.RuleId).Count().ShouldBe(6);
        var lines = await db.CommissionLines.AsNoTracking().ToListAsync(Ct);
        lines.ShouldContain(l => l.Kind == CommissionLineKind.Bounty);
        lines.ShouldContain(l => l.Kind == CommissionLineKind.StoreShare);
        lines.ShouldContain(l => l.Rate == "¥5.00/unit");
        lines.ShouldContain(l => l.RuleVersion == 2);

        // Most money Available, some still Pending, a few orders refunded (some after settlement).
        var settled = orders.Count(o => o.SettledAt is not null);
        settled.ShouldBeGreaterThan(orders.Count / 2);
        orders.ShouldContain(o => o.SettledAt == null && o.CreditId != null);
        orders.Count(o => o.RefundedFen > 0).ShouldBeInRange(3, 40);
        orders.ShouldContain(o => o.RefundedFen == o.PaidFen - o.ShippingFen && o.PaidFen > 0);
        lines.ShouldContain(l => l.ReversedFen > 0 && l.SettledAt != null);

        var entries = await db.LedgerEntries.AsNoTracking().ToListAsync(Ct);
        entries.GroupBy(e => e.PostingId).ShouldAllBe(g => g.Sum(e => e.AmountFen) == 0);
        (await AggregateLinks.ProblemsAsync(db, Ct)).ShouldBeEmpty(); // lines to orders, entries to postings: not held by keys
        // The ledger agrees with the commission lines: Pending = standing unsettled; standing settled money is Available or,
        // for the demo withdrawals (no fee, no tax), Withdrawing or PaidOut.
        foreach (var holder in lines.GroupBy(l => l.Holder))
        {
            var balances = await LedgerBook.BalancesAsync(db, holder.Key, null, Ct);
            balances.GetValueOrDefault(LedgerBucket.Pending).ShouldBe(holder.Where(l => l.SettledAt == null).Sum(l => l.StandingFen), holder.Key);
            (balances.GetValueOrDefault(LedgerBucket.Available) + balances.GetValueOrDefault(LedgerBucket.Withdrawing) + balances.GetValueOrDefault(LedgerBucket.PaidOut))
                .ShouldBe(holder.Where(l => l.SettledAt != null).Sum(l => l.StandingFen), holder.Key);
        }

        var partner = await db.UserAccounts.AsNoTracking().Where(u => u.LoginName == SeedDemoBrand.PartnerLogin).Select(u => u.PartnerId).FirstAsync(Ct);
        orders.Count(o => o.CreditId == partner!.Value.Value).ShouldBeGreaterThan(2);
        (await LedgerBook.BalancesAsync(db, $"PartTimeGuide:{partner!.Value.Value}", null, Ct)).GetValueOrDefault(LedgerBucket.Available).ShouldBeGreaterThan(0);

        // Withdrawals in every state a Finance queue shows: paid through the bank file, refused by the bank (money back),
        // approved and waiting for the next file, waiting for approval.
        var payouts = await db.Payouts.AsNoTracking().ToListAsync(Ct);
        payouts.Count.ShouldBe(4);
        payouts.Select(p => p.Status).ShouldBe([PayoutStatus.Success, PayoutStatus.Fail, PayoutStatus.AwaitingApproval,
            payouts.Single(p => p.Status is PayoutStatus.Approved or PayoutStatus.Accepted).Status], ignoreOrder: true);
        var mine = $"PartTimeGuide:{partner!.Value.Value}";
        payouts.Count(p => p.Holder == mine).ShouldBe(2);
        var myBalances = await LedgerBook.BalancesAsync(db, mine, null, Ct);
        myBalances.GetValueOrDefault(LedgerBucket.PaidOut).ShouldBe(payouts.Single(p => p.Status == PayoutStatus.Success).GrossFen);
        myBalances.GetValueOrDefault(LedgerBucket.Withdrawing).ShouldBe(payouts.Single(p => p.Status == PayoutStatus.AwaitingApproval).GrossFen);
        var failed = payouts.Single(p => p.Status == PayoutStatus.Fail);
        (await LedgerBook.BalancesAsync(db, failed.Holder, null, Ct)).GetValueOrDefault(LedgerBucket.Withdrawing).ShouldBe(0);

        // An order with a store's share: its detail names the order's store and region, and the store and region accounts
        // among its earners (read by id, not from every store of the brand).
        var shared = lines.First(l => l.Kind == CommissionLineKind.StoreShare);
        await using (var scope = services.ScopeFor(tenant))
        {
            var view = (await scope.ServiceProvider.GetRequiredService<GetOrder.Handler>().HandleAsync(shared.OrderId, false, Ct)).Value!;
            var order = orders.Single(o => o.Id == shared.OrderId);
            view.StoreName.ShouldBe(await db.Stores.Where(s => s.Id == order.StoreId).Select(s => s.Name).SingleAsync(Ct));
            view.RegionName.ShouldBe(await db.Regions.Where(r => r.Id == order.RegionId).Select(r => r.Name).SingleAsync(Ct));
            var storeName = await db.Stores.Where(s => s.Id == new StoreId(shared.EarnerId)).Select(s => s.Name).SingleAsync(Ct);
            view.Commission.Where(c => c.Kind == "StoreShare").ShouldNotBeEmpty();
            view.Commission.Where(c => c.Kind == "StoreShare").ShouldAllBe(c => c.EarnerName == storeName);
            foreach (var region in view.Commission.Where(c => c.Kind == "RegionShare"))
                region.EarnerName.ShouldBe(await db.Regions.Where(r => r.Id == new RegionId(region.EarnerId)).Select(r => r.Name).SingleAsync(Ct));
        }

        // Idempotent: a second run (next start, or `guidelink seed demo` again) adds nothing.
        await using (var scope = services.ScopeFor(tenant))
        {
            (await scope.ServiceProvider.GetRequiredService<SeedDemoOrders.Handler>().HandleAsync(tenant, Ct)).Orders.ShouldBe(0);
            await scope.ServiceProvider.GetRequiredService<SeedDemoActivity.Handler>().HandleAsync(tenant, Ct);
        }
        (await db.Orders.CountAsync(Ct)).ShouldBe(orders.Count);
        (await db.LedgerEntries.CountAsync(Ct)).ShouldBe(entries.Count);
    }
}
