using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Catalog;
using Guidelink.Core.Persistence;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Guidelink.Core.Features.Orders.IngestOrders;

namespace Guidelink.Core.Tests;

/// <summary>The group-commit writer of single orders, with a batch made on purpose: orders in one batch are answered as if
/// they had come one after the other, each with its own result.</summary>
public sealed class OrderWriterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task OneBatch_AnswersEachOrderAsIfSentOneAfterTheOther(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var services = new TestServices(database);
        var tenant = await services.SeedDemoBrandAsync(Ct);
        Guid store;
        string code;
        await using (var scope = services.ScopeFor(tenant))
        {
            var sp = scope.ServiceProvider;
            var db = sp.GetRequiredService<GuidelinkDb>();
            store = (await db.Stores.Select(s => s.Id).FirstAsync(Ct)).Value;
            if (!await db.Categories.AnyAsync(c => c.Code == "sofa", Ct))
            {
                db.Categories.Add(Category.Create(tenant, "sofa", "沙发"));
                await db.SaveChangesAsync(Ct);
            }
        }
        code = (await services.ApprovedPartnerAsync(tenant, store, "合伙人", Ct)).Code;
        var placedAt = DateTimeOffset.UtcNow.AddMinutes(-5);
        OrderRequest Order(string no, string phone, decimal paid = 100m, int minutesLater = 0) => new("MiniMall", no, store, null, new CustomerRequest(null, phone, null, null), code,
            [new LineRequest("SOFA", "沙发", "sofa", 1, 100m, null)], null, null, null, paid, placedAt.AddMinutes(minutesLater), null, null);

        var writer = services.Orders;
        var answers = await writer.WriteTogetherAsync(Actor.System(tenant, "test"),
        [
            Order("K-1", "13900139000"),
            Order("K-1", "13900139000"),              // the same body again: the first answer
            Order("K-1", "13900139001"),              // another body under the same key: a conflict
            Order("K-2", "13900139002", paid: 99m),   // bad: fails alone, naming the field
            Order("K-3", "13900139000", minutesLater: 1), // the first order's customer, found in the batch: not a first order
        ]);
        writer.LargestBatch.ShouldBe(5);
        answers.ShouldAllBe(a => a.Index == 0);
        answers.Select(a => a.Status).ShouldBe([ItemStatus.Created, ItemStatus.Replayed, ItemStatus.Conflict, ItemStatus.Invalid, ItemStatus.Created]);
        answers[1].OrderId.ShouldBe(answers[0].OrderId);
        answers[2].OrderId.ShouldBe(answers[0].OrderId);
        answers[3].Errors!.Keys.ShouldBe(["paid"]);

        await using var check = services.ScopeFor(tenant);
        var orders = await check.ServiceProvider.GetRequiredService<GuidelinkDb>().Orders.AsNoTracking().Where(o => o.ExternalNo.StartsWith("K-")).OrderBy(o => o.ExternalNo).ToListAsync(Ct);
        orders.Select(o => o.ExternalNo).ShouldBe(["K-1", "K-3"]);
        orders[1].CustomerId.ShouldBe(orders[0].CustomerId);
        orders[0].IsFirstOrder.ShouldBeTrue();
        orders[1].IsFirstOrder.ShouldBeFalse();
        // The code's touch records who sent the order, as when it is sent alone.
        var touches = await check.ServiceProvider.GetRequiredService<GuidelinkDb>().Touches.AsNoTracking().Where(t => t.CustomerId == orders[0].CustomerId).ToListAsync(Ct);
        touches.Count.ShouldBe(2);
        touches.ShouldAllBe(t => t.EnteredBy == "test");
        // The conflict and the bad order left nothing behind (lines, commission and ledger are not held by keys).
        (await AggregateLinks.ProblemsAsync(check.ServiceProvider.GetRequiredService<GuidelinkDb>(), Ct)).ShouldBeEmpty();
    }
}
