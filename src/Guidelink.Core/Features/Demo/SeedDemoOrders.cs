using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Features.Catalog;
using Guidelink.Core.Features.Commission;
using Guidelink.Core.Features.Orders;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Guidelink.Core.Features.Demo;

/// <summary>The demo brand's money side, so the rules, orders and balances pages show something on first start: a
/// furniture brand's commission rule set (one rule with two versions), a new-customer bounty with a daily cap, and
/// ~200 orders of the demo customers over the last 60 days. Everything goes through the real use cases (save rule,
/// ingest, completion and refund events, settlement replayed along the timeline), so the ledger is the one the
/// product would have written: most commission Available, recent orders Pending, a few refunded.
/// Deterministic for a given start instant; does nothing if the brand already has rules or orders.</summary>
public static class SeedDemoOrders
{
    public sealed record Response(int Rules, int Orders, int Refunds);

    private sealed record Item(string Sku, string Name, string Category, long PriceFen, int MaxQuantity);

    private static readonly (string Code, string Name)[] Categories =
    [
        ("sofa", "沙发"), ("bed", "床与床垫"), ("dining", "餐桌椅"), ("storage", "柜类"), ("lighting", "灯具"), ("accessory", "家居饰品"),
    ];

    private static readonly Item[] Catalog =
    [
        new("SOFA-CLOUD", "云朵布艺沙发（三人位）", "sofa", 699_900, 1),
        new("SOFA-LEATHER", "头层牛皮沙发", "sofa", 1_280_000, 1),
        new("BED-OAK", "橡木双人床 1.8m", "bed", 529_900, 1),
        new("MATTRESS-01", "独立弹簧床垫", "bed", 319_900, 2),
        new("TABLE-WALNUT", "胡桃木餐桌", "dining", 459_900, 1),
        new("CHAIR-01", "实木餐椅", "dining", 89_900, 6),
        new("WARDROBE-01", "三门衣柜", "storage", 589_900, 1),
        new("TVSTAND-01", "悬浮电视柜", "storage", 239_900, 1),
        new("LAMP-FLOOR", "北欧落地灯", "lighting", 69_900, 2),
        new("CUSHION-01", "亚麻抱枕", "accessory", 12_900, 4),
        new("RUG-01", "羊毛地毯", "accessory", 89_900, 1),
    ];

    public sealed class Handler(GuidelinkDb db, TenantContext tenantContext, ActorContext actors, SaveCommissionRule.Handler saveRule,
        IngestOrders.Handler ingest, RecordOrderEvent.Handler events, SettleOrders.Handler settle, TimeProvider clock,
        ILogger<Handler>? log = null) // the CLI has no logging; the server says how long the seed took
    {
        public async Task<Response> HandleAsync(TenantId tenant, CancellationToken ct)
        {
            tenantContext.Set(tenant);
            actors.Current = Actor.System(tenant, "demo-seed");
            if (await db.CommissionRules.AnyAsync(ct) || await db.Orders.AnyAsync(ct)) return new Response(0, 0, 0);

            var now = clock.GetUtcNow();
            var started = clock.GetTimestamp();
            var random = new Random(20261201);
            // One transaction for the whole money history: one commit instead of a few hundred.
            await using var transaction = await db.Database.BeginTransactionAsync(ct);

            foreach (var (code, name) in Categories)
                if (!await db.Categories.AnyAsync(c => c.Code == code, ct)) db.Categories.Add(Category.Create(tenant, code, name));
            var settings = await db.CommissionSettings.SingleOrDefaultAsync(ct);
            if (settings is null) db.CommissionSettings.Add(settings = CommissionSettings.Default(tenant));
            // 老带新: ¥20 for a new customer's first order, at most ¥60 a day per earner (the fourth of a day gets nothing).
            settings.Change(7, NegativeBalancePolicy.AllowNegative, 2_000, 6_000);
            await db.SaveChangesAsync(ct);

            var rules = await SaveRulesAsync(now, ct);
            var (orders, refunds) = await SaveOrdersAsync(now, random, ct);
            await transaction.CommitAsync(ct);
            // Said once, because first start must stay fast and this is most of what the demo adds to it.
            var ms = (long)clock.GetElapsedTime(started).TotalMilliseconds;
            if (log?.IsEnabled(LogLevel.Information) == true)
                log!.LogInformation("Demo money seeded: {Rules} rule versions, {Orders} orders, {Refunds} refunds in {Ms} ms", rules, orders, refunds, ms);
            return new Response(rules, orders, refunds);
        }

        /// <summary>The rule set a furniture brand would start with. In force from 90 days ago, before the first demo order.</summary>
        private async Task<int> SaveRulesAsync(DateTimeOffset now, CancellationToken ct)
        {
            var from = now.AddDays(-90);
            var saved = 0;
            async Task<Guid> Save(RuleDefinition rule)
            {
                var outcome = await saveRule.HandleAsync(rule, ct);
                if (!outcome.IsOk) throw new InvalidOperationException($"Demo rule \"{rule.Name}\" is invalid: {string.Join("; ", outcome.Errors.SelectMany(e => e.Value))}{outcome.Detail}");
                saved++;
                db.ChangeTracker.Clear();
                return outcome.Value!.RuleId;
            }
            static RuleDefinition Rule(string name, string[] kinds, int? bp = null, long? perUnit = null, string? sku = null, string? category = null, int priority = 0) =>
                new(null, 1, name, kinds, sku, category, null, null, priority, bp, perUnit, null, null, null, false, null, null, default, null);

            // Staff: 2% to the guide, the store and the region take 0.5% each (region → store → guide split).
            await Save(Rule("员工销售提成（区域-门店-导购分润）", [nameof(OwnerKind.OfficialGuide), nameof(OwnerKind.Installer)], bp: 200)
                with
            { SplitRegionBasisPoints = 300, SplitStoreBasisPoints = 250, EffectiveFrom = from });
            // Part-time guides: 4% at launch, raised to 5% a month ago (a second version), 6% from ¥50,000 in a month.
            var partTime = await Save(Rule("兼职导购佣金", [nameof(OwnerKind.PartTimeGuide)], bp: 400) with { EffectiveFrom = from });
            await Save(Rule("兼职导购佣金", [nameof(OwnerKind.PartTimeGuide)], bp: 500)
                with
            { Id = partTime, Tiers = [new RateTier(5_000_000, 600)], EffectiveFrom = now.AddDays(-30) });
            await Save(Rule("分享大使奖励", [nameof(OwnerKind.ShareAmbassador)], bp: 200) with { ExcludePromotionOrders = true, EffectiveFrom = from });
            await Save(Rule("异业联盟带单", [nameof(OwnerKind.AllianceStore)], bp: 300) with { ExcludedCategories = ["accessory"], EffectiveFrom = from });
            // Sofas are the brand's margin: partners who sell one earn more.
            await Save(Rule("沙发品类加码", [nameof(OwnerKind.PartTimeGuide), nameof(OwnerKind.AllianceStore)], bp: 700, category: "sofa") with { EffectiveFrom = from });
            // Cushions are cheap add-ons: a fixed ¥5 each, whoever sells them.
            await Save(Rule("抱枕每件 ¥5", [], perUnit: 500, sku: "CUSHION-01") with { EffectiveFrom = from });
            return saved;
        }

        private async Task<(int Orders, int Refunds)> SaveOrdersAsync(DateTimeOffset now, Random random, CancellationToken ct)
        {
            var stores = await db.Stores.AsNoTracking().OrderBy(s => s.Code).Select(s => s.Id).ToListAsync(ct);
            var firstDecision = await db.AttributionDecisions.AsNoTracking().GroupBy(d => d.CustomerId)
                .Select(g => new { Customer = g.Key, At = g.Min(d => d.DecidedAt) }).ToListAsync(ct);
            var customers = (await db.Customers.AsNoTracking().Select(c => new { c.Id, c.HomeStoreId, c.OwnerId, c.CreatedAt }).ToListAsync(ct))
                .OrderBy(c => c.CreatedAt).ThenBy(c => c.Id.Value).ToList();
            var since = firstDecision.ToDictionary(d => d.Customer, d => d.At);
            // demo-partner (the Xuhui designer) signs in to see their orders and balance: every customer of theirs buys.
            var demoPartner = await db.UserAccounts.AsNoTracking().Where(u => u.LoginName == SeedDemoBrand.PartnerLogin).Select(u => u.PartnerId).FirstOrDefaultAsync(ct);

            var requests = new List<IngestOrders.OrderRequest>();
            var number = 0;
            foreach (var c in customers)
            {
                var start = since.GetValueOrDefault(c.Id, c.CreatedAt);
                if (start > now.AddHours(-2)) continue;
                var mine = demoPartner is { } dp && c.OwnerId == dp.Value;
                var roll = random.Next(100);
                var count = mine ? 2 : c.OwnerId is null ? (roll < 20 ? 1 : 0) : roll < 40 ? 1 : roll < 52 ? 2 : 0;
                var at = start;
                for (var k = 0; k < count; k++)
                {
                    // Somewhere between the customer's first touch (or the previous order) and now.
                    at += TimeSpan.FromMinutes(30 + random.NextDouble() * (now - at).TotalMinutes * (k == 0 ? 0.6 : 0.5));
                    if (at > now.AddHours(-1)) break;
                    requests.Add(NewOrder(++number, at, c.Id.Value, c.HomeStoreId?.Value ?? stores[random.Next(stores.Count)].Value, random));
                }
            }
            requests = requests.OrderBy(r => r.PlacedAt).ToList();
            var results = await ingest.HandleAsync(requests, null, ct);
            var failed = results.FirstOrDefault(r => !r.Ok);
            if (failed is not null) throw new InvalidOperationException($"Demo order {failed.Index} was rejected: {failed.Detail} {string.Join("; ", failed.Errors?.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}") ?? [])}");
            db.ChangeTracker.Clear();

            // What happens after payment, in time order: deliveries complete, a few orders are cancelled or partly
            // returned, and the settlement job runs along the way (so a late refund reverses Available money).
            var timeline = new List<(DateTimeOffset At, RecordOrderEvent.Request Event)>();
            var refunds = 0;
            for (var i = 0; i < requests.Count; i++)
            {
                var r = requests[i];
                var id = results[i].OrderId!.Value;
                var placed = r.PlacedAt!.Value;
                var roll = random.Next(100);
                if (r.Channel != nameof(OrderChannel.Pos))
                {
                    var delivered = placed.AddDays(2 + random.Next(6)).AddHours(random.Next(10));
                    if (roll >= 6 && delivered < now) timeline.Add((delivered, new(id, nameof(OrderEventKind.Completed), null, delivered, "签收", null)));
                }
                if (roll < 6)
                {
                    // Cancelled before delivery (online) or returned at the till: the whole order back.
                    var back = placed.AddHours(6 + random.Next(72));
                    if (back < now) { timeline.Add((back, new(id, nameof(OrderEventKind.Refunded), $"RF-{number + i:00000}", back, "顾客取消订单", null))); refunds++; }
                }
                else if (roll < 10)
                {
                    // One line returned after the return window, when its commission was already Available.
                    var back = placed.AddDays(12 + random.Next(10));
                    var line = r.Lines!.Count;
                    if (back < now) { timeline.Add((back, new(id, nameof(OrderEventKind.Refunded), $"RF-{number + i:00000}", back, "退货一件", [new RecordOrderEvent.RefundLine(line, null)]))); refunds++; }
                }
            }
            foreach (var (at, request) in timeline.OrderBy(t => t.At))
            {
                // A return after the window reverses Available money: settle what was due by then first (only then:
                // the settlement's postings carry their due time whenever they run, so other orders can wait).
                if (request.Kind == nameof(OrderEventKind.Refunded) && request.Lines is { Count: > 0 }) await settle.HandleAsync(at, ct);
                var outcome = await events.HandleAsync(request, ct);
                if (!outcome.IsOk) throw new InvalidOperationException($"Demo event {request.Kind} on {request.OrderId} failed: {outcome.Detail}");
                db.ChangeTracker.Clear();
            }
            await settle.HandleAsync(null, ct);
            return (requests.Count, refunds);
        }

        private static IngestOrders.OrderRequest NewOrder(int number, DateTimeOffset at, Guid customer, Guid store, Random random)
        {
            var roll = random.Next(100);
            // Furniture sells mostly at the till (POS orders start their return window at payment: no delivery event).
            var channel = roll < 60 ? OrderChannel.Pos : roll < 90 ? OrderChannel.MiniMall : OrderChannel.Livestream;
            var lines = new List<IngestOrders.LineRequest>();
            long goods = 0, lineDiscounts = 0;
            foreach (var item in Catalog.OrderBy(_ => random.Next()).Take(1 + random.Next(3)))
            {
                var quantity = 1 + random.Next(item.MaxQuantity);
                // A store discount of 5–10% on big-ticket lines, in whole yuan.
                var discount = item.PriceFen >= 200_000 && random.Next(3) == 0 ? item.PriceFen * quantity * (5 + random.Next(6)) / 100 / 100 * 100 : 0;
                lines.Add(new(item.Sku, item.Name, item.Category, quantity, item.PriceFen / 100m, discount / 100m));
                goods += item.PriceFen * quantity;
                lineDiscounts += discount;
            }
            var orderDiscount = goods - lineDiscounts > 300_000 && random.Next(4) == 0 ? 20_000 : 0; // 满 3000 减 200
            var shipping = channel == OrderChannel.Pos ? 0 : goods < 100_000 ? 1_500 : 0;
            var paid = goods - lineDiscounts - orderDiscount + shipping;
            var prefix = channel switch { OrderChannel.Pos => "POS", OrderChannel.MiniMall => "MM", _ => "LIVE" };
            return new IngestOrders.OrderRequest(channel.ToString(), $"{prefix}-{at:yyMMdd}-{number:0000}", store, null,
                new IngestOrders.CustomerRequest(customer, null, null, null), null, lines, orderDiscount / 100m, shipping / 100m, 0m, paid / 100m,
                at, at, random.Next(100) < 15);
        }
    }
}
