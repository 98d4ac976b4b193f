using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Catalog;
using Guidelink.Core.Features.Commission;
using Guidelink.Core.Features.Demo;
using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Features.Orders;
using Guidelink.Core.Persistence;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Cli.Tests;

/// <summary>`guidelink settle --as-of` settles only what was due by that instant, so a timeline can be replayed.</summary>
public sealed class SettleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Settle_AsOf_MovesOnlyTheOrdersDueByThen_AndRerunningChangesNothing()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        (await CliRunner.RunAsync(database, "seed", "demo", "--org-only")).ExitCode.ShouldBe(0);
        await using var platform = database.NewContext();
        var tenant = await platform.Tenants.Where(t => t.Slug == SeedDemoBrand.Slug).Select(t => t.Id).FirstAsync(Ct);
        await using var services = new TestServices(database);
        var now = DateTimeOffset.UtcNow;
        string holder;
        await using (var scope = services.ScopeFor(tenant, Actor.System(tenant, "test")))
        {
            var db = scope.ServiceProvider.GetRequiredService<GuidelinkDb>();
            db.Categories.Add(Category.Create(tenant, "sofa", "沙发"));
            var rule = new RuleDefinition(Guid.NewGuid(), 1, "导购 3%", [], null, null, null, null, 0, 300, null, null, null, null, false, null, null, now.AddYears(-1), null);
            db.CommissionRules.Add(CommissionRuleVersion.Create(tenant, rule.ToRule(), rule.ToJson(), now, "test"));
            var guide = await db.Staff.Where(s => s.EmployeeNo == "G001").Select(s => s.Id).FirstAsync(Ct);
            await db.SaveChangesAsync(Ct);
            var touch = await scope.ServiceProvider.GetRequiredService<Core.Features.Attribution.RecordTouch.Handler>().HandleAsync(
                new Core.Features.Attribution.RecordTouch.Request(null, guide.Value, "Staff", "Manual", "13800138555", null, null, null, null, now.AddDays(-40), null), Ct);
            touch.IsOk.ShouldBeTrue();
            var customer = new Core.Shared.CustomerId(touch.Value!.CustomerId);
            holder = $"OfficialGuide:{guide.Value}";
            var store = await db.Stores.Where(s => s.Code == "SH-XH").Select(s => s.Id).FirstAsync(Ct);
            var ingest = scope.ServiceProvider.GetRequiredService<IngestOrders.Handler>();
            // POS orders: the 7-day window runs from payment. Paid 20 and 10 days ago → due 13 and 3 days ago.
            foreach (var (no, daysAgo) in new[] { ("POS-A", 20), ("POS-B", 10) })
            {
                var result = await ingest.HandleAsync([new IngestOrders.OrderRequest("Pos", no, store.Value, null, new IngestOrders.CustomerRequest(customer.Value, null, null, null), null,
                    [new IngestOrders.LineRequest("S1", "沙发", "sofa", 1, 1000.00m, null)], null, null, null, 1000.00m, now.AddDays(-daysAgo), null, null)], null, Ct);
                result[0].Status.ShouldBe(IngestOrders.ItemStatus.Created, result[0].Detail);
            }
        }

        var asOf = now.AddDays(-5).ToString("O");
        var first = await CliRunner.RunAsync(database, "settle", "--as-of", asOf);
        first.ExitCode.ShouldBe(0, first.Error);
        first.Output.ShouldContain("Settled 1 order(s): ¥30.00");
        var again = await CliRunner.RunAsync(database, "settle", "--as-of", asOf);
        again.Output.ShouldContain("Settled 0 order(s)");
        var all = await CliRunner.RunAsync(database, "settle");
        all.Output.ShouldContain("Settled 1 order(s): ¥30.00");

        await using var check = database.NewContext(tenant);
        var balances = await LedgerBook.BalancesAsync(check, holder, null, Ct);
        balances.GetValueOrDefault(LedgerBucket.Available).ShouldBe(6000);
        balances.GetValueOrDefault(LedgerBucket.Pending).ShouldBe(0);
    }
}
