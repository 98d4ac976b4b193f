using Guidelink.Core.Features.Jobs;
using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Core.Features.Orders;

/// <summary>Moves commission from Pending to Available once an order's return window has closed (and no after-sale
/// request is open): one posting per order, recording when it was due and when it was posted. Safe to run on two
/// servers at once: the order's version check lets only one of them settle an order, and the posting key
/// ("settle:{order}") could not be posted twice anyway.</summary>
public static class SettleOrders
{
    public sealed record Response(int Orders, long MovedFen);

    public sealed class Handler(GuidelinkDb db, TimeProvider clock)
    {
        /// <summary>Settles what was due by <paramref name="asOf"/> (never later than now), so a past timeline can be
        /// replayed step by step.</summary>
        public async Task<Response> HandleAsync(DateTimeOffset? asOf, CancellationToken ct)
        {
            var now = clock.GetUtcNow();
            var cutoff = asOf is { } t && t < now ? t : now;
            var orders = 0;
            long moved = 0;
            while (true)
            {
                var due = await db.Orders
                    .Where(o => o.SettledAt == null && o.SettleDueAt != null && o.SettleDueAt <= cutoff && o.OpenAfterSales == 0)
                    .OrderBy(o => o.SettleDueAt).Take(200).ToListAsync(ct);
                if (due.Count == 0) return new Response(orders, moved);
                var ids = due.Select(o => o.Id).ToList();
                var lines = (await db.CommissionLines.Where(c => ids.Contains(c.OrderId) && c.SettledAt == null).ToListAsync(ct)).ToLookup(c => c.OrderId);
                var ledger = new LedgerBook(db);
                foreach (var order in due)
                {
                    order.MarkSettled(now);
                    var standing = lines[order.Id].ToList();
                    var movements = new List<Movement>();
                    foreach (var c in standing)
                    {
                        c.Settle(now);
                        if (c.StandingFen == 0) continue;
                        movements.Add(new Movement(c.Holder, LedgerBucket.Pending, -c.StandingFen, "settled", c.Id));
                        movements.Add(new Movement(c.Holder, LedgerBucket.Available, c.StandingFen, "settled", c.Id));
                        moved += c.StandingFen;
                    }
                    // The posting's time is when the window closed: a replayed timeline shows money available from then.
                    if (movements.Count > 0) await ledger.PostAsync($"settle:{order.Id}", "Settlement", order.Id, order.SettleDueAt!.Value, now, movements, ct);
                    orders++;
                }
                try
                {
                    await db.SaveChangesAsync(ct);
                }
                catch (DbUpdateException)
                {
                    // Another server settled (or an event changed) some of these orders first: read again.
                    db.ChangeTracker.Clear();
                    orders = 0;
                    moved = 0;
                    await Task.Delay(Random.Shared.Next(10, 50), ct);
                    continue;
                }
                db.ChangeTracker.Clear();
            }
        }
    }

    /// <summary>Runs the settlement for every brand every five minutes.</summary>
    public sealed class Job : IScheduledJob
    {
        public string Name => "settlement";
        public string Cron => "*/5 * * * *";

        public Task RunAsync(IServiceProvider scopedServices, DateTimeOffset dueAt, CancellationToken ct) =>
            Jobs.EveryBrand.RunAsync(scopedServices, "settlement", services => services.GetRequiredService<Handler>().HandleAsync(null, ct), ct);
    }
}
