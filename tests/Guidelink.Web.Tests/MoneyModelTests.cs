using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Catalog;
using Guidelink.Core.Features.Commission;
using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Features.Organization;
using Guidelink.Core.Features.Payouts;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Guidelink.Testing;
using Guidelink.Testing.WeChat;
using Guidelink.Web.Tests.MoneyModel;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Guidelink.Web.Tests;

/// <summary>The randomized model test of the money path (the "Payouts" issue): a seeded, reproducible mix of operations
/// sent over HTTP to a real server on SQLite and on PostgreSQL, with a fake clock the generator advances — touches through
/// partners' and guides' codes, orders (1–3 lines, quantities above 1, line and order discounts, share codes, late
/// placedAt, POS and mall, some through the batch endpoint), completions, after-sale requests opened and closed, partial
/// and whole refunds, settlement runs, partner freezes and approvals — with injected faults: requests retried later with
/// the same key and body, the same request sent two or three times at once, and independent requests sent concurrently.
/// Afterwards: every posting sums to zero, no posting key is used twice, every earner's hash chain recomputes, and every
/// earner's Pending and Available in the ledger equal what <see cref="ReferenceModel"/> (written in this project from
/// DOMAIN.md, not Core's engine) computes from the same history. A failure names the seed, the operation and the last
/// operations; a balance mismatch names the earner, both figures and the first order where they diverge.
/// <para>GUIDELINK_MODEL_OPS changes the number of operations (default 10,000 per provider), GUIDELINK_MODEL_SEED the seed.</para>
/// <para>Payouts (about 18 % of the steps), against the in-process <see cref="FakeWeChatPayServer"/> on the same fake clock:
/// the brand's payout settings through <c>PUT /api/payouts/settings</c> (WeChatPayTransfer, a minimum, a fee, tax above a
/// threshold, automatic and dual approval thresholds), five partners bound through the fake's OAuth (the sixth is refused
/// for want of an openid), withdrawals with keys (some below the minimum or above Available: refused where
/// <see cref="PayoutModel"/> refuses them; some retried: the first answer), approvals and rejections by two Finance users
/// (a second approval by the same person and decisions on decided payouts: 409), sender runs with a 5xx, a hang, a 5xx
/// after accepting or an accept-then-drop on the next WeChat Pay request, WeChat ending bills in SUCCESS, FAIL or CANCELLED
/// with the notification lost, delivered once, twice, twice at once or after an older state, and reconciliation runs; at
/// the end every payout is brought to a final state. Then also: every earner's Withdrawing and PaidOut and the brand's
/// TaxWithheld and FeeIncome equal the model's; every payout is stored in the model's final state with its amounts; every
/// bill at WeChat belongs to one payout, for its net and its partner's openid; one Success posting per paid payout and none
/// for the others; the reconciliation report is empty.</para></summary>
public sealed class MoneyModelTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DateTimeOffset Start = new(2026, 6, 1, 1, 0, 0, TimeSpan.Zero);
    private const int DefaultSeed = 20261201;
    private const int DefaultOperations = 10_000;
    private const int ProtectionDays = 20;
    private const long BountyFen = 2_000;
    private const long BountyDailyCapFen = 4_000;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task RandomMoneyOperations_KeepTheLedgerBalanced_AndEveryEarnerWhereTheReferenceModelSays(DatabaseProvider provider)
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("GUIDELINK_MODEL_SEED"), CultureInfo.InvariantCulture, out var s) ? s : DefaultSeed;
        // GUIDELINK_MODEL_PROGRESS names a file that gets a line every 500 operations (to watch a long run).
        var progress = Environment.GetEnvironmentVariable("GUIDELINK_MODEL_PROGRESS") is { Length: > 0 } path ? path : null;
        var operations = int.TryParse(Environment.GetEnvironmentVariable("GUIDELINK_MODEL_OPS"), CultureInfo.InvariantCulture, out var n) ? n : DefaultOperations;

        await using var database = await TestDatabase.CreateAsync(provider);
        var clock = new FakeTimeProvider(Start);
        await using var fake = await FakeWeChatPayServer.StartAsync(new FakeWeChatPayOptions { Clock = clock });
        await using var server = await GuidelinkInstance.StartAsync(database, services: services => services.AddSingleton<TimeProvider>(clock),
            // Lost races between the concurrent requests are expected (and retried): EF Core's log of each is noise here, and
            // so are the sender's warnings about the injected faults.
            extraArgs: [.. WeChatPayoutTests.WeChatArgs(fake), "--Logging:LogLevel:Microsoft.EntityFrameworkCore=None", "--Logging:LogLevel:Guidelink.Core.Features.Payouts=Error"]);
        var world = await SetUpAsync(database, server, clock, fake);

        var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        var model = new ReferenceModel(TimeSpan.FromDays(ProtectionDays), TimeSpan.FromDays(7), BountyFen, BountyDailyCapFen, zone, Rules);
        foreach (var e in world.Earners) model.AddOwner(e.Holder, active: true);
        var payouts = new PayoutModel(model, MinimumFen, FeeBasisPoints, TaxBasisPoints, TaxThresholdFen, AutoApproveBelowFen, DualApprovalFromFen);
        foreach (var h in world.Bound) payouts.Bind(h);
        var random = new Random(seed);
        var generator = new OperationGenerator(random, model, world.Earners, world.Stores, phoneCount: Math.Max(200, operations / 5), Start + TimeSpan.FromHours(1));
        generator.EnablePayouts(payouts, fake.Bill);
        var driver = new Driver(world.Client, new PayoutDriver(server, database, fake, world.Partners, world.Approvers));

        var trace = new Queue<string>();
        var history = new List<string>();
        var watch = Stopwatch.StartNew();
        var done = 0;
        var step = 0;
        clock.Advance(TimeSpan.FromDays(1));
        while (done < operations)
        {
            clock.Advance(generator.NextAdvance());
            var now = clock.GetUtcNow();
            var op = generator.Next(now);
            trace.Enqueue($"#{step} (op {done}) {now:yyyy-MM-dd HH:mm:ss}: {op}");
            history.Add(trace.Last());
            if (trace.Count > 25) trace.Dequeue();
            try
            {
                Apply(model, payouts, op, now);
                await driver.SendAsync(op);
            }
            catch (Exception ex) when (!Ct.IsCancellationRequested)
            {
                Assert.Fail($"MoneyModel on {provider}, seed {seed} (GUIDELINK_MODEL_SEED={seed}): step {step} (operation {done}) failed: {ex.Message}\n"
                    + $"Last operations:\n{string.Join('\n', trace)}\n{ex}");
            }
            generator.Sent(op);
            if ((done + op.Count) / 500 > done / 500 && progress is not null)
                await File.AppendAllTextAsync(progress, $"{provider} seed {seed}: {done + op.Count} operations, {driver.Requests} requests, {watch.Elapsed.TotalSeconds:0.0} s\n", Ct);
            done += op.Count;
            step++;
        }
        // The last word: settle whatever is due, so Available is exercised up to the end.
        Apply(model, payouts, new SettleOp(), clock.GetUtcNow());
        await driver.SendAsync(new SettleOp());
        // Then every payout to a final state: Finance decides what awaits approval; rounds of the sender (past any back-off),
        // WeChat ending every open bill (some notifications lost) and reconciliation, until the server has nothing open.
        async Task StepAsync(Op op)
        {
            trace.Enqueue($"#{step++} (drain) {clock.GetUtcNow():yyyy-MM-dd HH:mm:ss}: {op}");
            history.Add(trace.Last());
            if (trace.Count > 25) trace.Dequeue();
            try
            {
                Apply(model, payouts, op, clock.GetUtcNow());
                await driver.SendAsync(op);
            }
            catch (Exception ex) when (!Ct.IsCancellationRequested)
            {
                Assert.Fail($"MoneyModel on {provider}, seed {seed} (GUIDELINK_MODEL_SEED={seed}): drain step {op} failed: {ex.Message}\n"
                    + $"Last operations:\n{string.Join('\n', trace)}\n{ex}");
            }
        }
        foreach (var d in generator.DecideAll()) await StepAsync(d);
        for (var round = 0; round < 8; round++)
        {
            clock.Advance(TimeSpan.FromHours(2));
            await StepAsync(new SendPayoutsOp(SenderFault.None));
            foreach (var b in generator.FinishAll()) await StepAsync(b);
            await StepAsync(new ReconcileOp());
            await StepAsync(new SendPayoutsOp(SenderFault.None));
            await using var check = database.NewContext(world.Tenant);
            if (payouts.Payouts.All(p => p.IsFinal) && !await check.Payouts.AnyAsync(p => p.Status != PayoutStatus.Rejected && p.Status != PayoutStatus.Success
                    && p.Status != PayoutStatus.Fail && p.Status != PayoutStatus.Cancelled, Ct))
                break;
        }
        var elapsed = watch.Elapsed;
        var pd = driver.Payouts;
        var summary = $"{model.Orders.Count} orders, {model.Customers.Count} customers, {payouts.Payouts.Count} payouts "
            + $"({payouts.Payouts.Count(p => p.State == PayoutModel.State.Success)} paid, {payouts.Payouts.Count(p => p.State == PayoutModel.State.Fail)} failed, "
            + $"{payouts.Payouts.Count(p => p.State == PayoutModel.State.Cancelled)} cancelled, {payouts.Payouts.Count(p => p.State == PayoutModel.State.Rejected)} rejected), "
            + $"refused {string.Join(", ", pd.Refused.OrderBy(x => x.Key, StringComparer.Ordinal).Select(x => $"{x.Value} {x.Key}"))}; "
            + $"{fake.Bills.Count} bills, {pd.Sent} sent / {pd.Unknown} unknown, {pd.Notifications} notifications, {pd.Reconciled} moved by reconciliation; "
            + $"simulated {clock.GetUtcNow() - Start:%d} days";
        TestContext.Current.SendDiagnosticMessage($"MoneyModel {provider} seed {seed}: {done} operations in {step} steps, {driver.Requests} requests, {elapsed.TotalSeconds:0.0} s; {summary}");
        Console.WriteLine($"MoneyModel {provider} seed {seed}: {done} operations, {driver.Requests} requests in {elapsed.TotalSeconds:0.0} s; {summary}");
        if (progress is not null)
            await File.AppendAllTextAsync(progress, $"{provider} seed {seed}: done, {done} operations, {driver.Requests} requests in {elapsed.TotalSeconds:0.0} s; {summary}\n", Ct);

        await VerifyLedgerAsync(database, world.Tenant, model, provider, seed, trace, history);
        await VerifyPayoutsAsync(database, world.Tenant, payouts, fake, provider, seed);
    }

    /// <summary>The fixed rule set: one percent rule per owner kind, a category rule for part-time guides only (other kinds
    /// fall back to their default), a fixed ¥8/unit SKU rule for everyone and a ¥0/unit SKU rule that pays nothing.</summary>
    private static readonly IReadOnlyList<ReferenceModel.Rule> Rules =
    [
        new("合伙人 5%", ["PartTimeGuide"], null, null, 500, null),
        new("分享大使 2.5%", ["ShareAmbassador"], null, null, 250, null),
        new("导购 1.5%", ["OfficialGuide"], null, null, 150, null),
        new("灯具 合伙人 8%", ["PartTimeGuide"], null, "lighting", 800, null),
        new("餐椅 ¥8/件", [], "CHAIR-01", null, null, 800),
        new("靠垫 ¥0", [], "CUSHION-01", null, null, 0),
    ];

    private const long MinimumFen = 1_000;
    private const int FeeBasisPoints = 100;
    private const int TaxBasisPoints = 2_000;
    private const long TaxThresholdFen = 80_000;
    private const long AutoApproveBelowFen = 20_000;
    private const long DualApprovalFromFen = 150_000;

    private sealed record World(TenantId Tenant, HttpClient Client, IReadOnlyList<EarnerRef> Earners, IReadOnlyList<Guid> Stores,
        IReadOnlyDictionary<string, Session> Partners, IReadOnlyList<Session> Approvers, IReadOnlyList<string> Bound);

    /// <summary>The brand as the model assumes it, configured through the API where the API can (policy, rules, partners,
    /// codes, an API key that does not expire with the fake clock); categories and the money settings (bounty, cap,
    /// return window) have no endpoint yet and are written through a DbContext.</summary>
    private static async Task<World> SetUpAsync(TestDatabase database, GuidelinkInstance server, FakeTimeProvider clock, FakeWeChatPayServer fake)
    {
        TenantId tenant;
        await using (var platform = database.NewContext())
            tenant = await platform.Tenants.Where(t => t.Slug == Core.Features.Demo.SeedDemoBrand.Slug).Select(t => t.Id).FirstAsync(Ct);
        await using (var db = database.NewContext(tenant, clock))
        {
            foreach (var (code, name) in new[] { ("sofa", "沙发"), ("lighting", "灯具"), ("chair", "椅子"), ("textile", "布艺") })
                db.Categories.Add(Category.Create(tenant, code, name));
            var settings = CommissionSettings.Default(tenant);
            settings.Change(7, NegativeBalancePolicy.AllowNegative, BountyFen, BountyDailyCapFen);
            db.CommissionSettings.Add(settings);
            await db.SaveChangesAsync(Ct);
        }

        using var admin = await server.ClientAsAsync("demo-admin");
        // Payouts: WeChatPayTransfer against the fake, ¥10 minimum, 1% fee, 20% tax on the part above ¥800, automatic
        // approval below ¥200, two approvers from ¥1,500.
        var payoutSettings = JsonSerializer.SerializeToNode(WeChatPayoutTests.Settings(fake, server.BaseAddress, FeeBasisPoints, TaxBasisPoints))!;
        payoutSettings["minimum"] = MinimumFen / 100m;
        payoutSettings["taxThreshold"] = TaxThresholdFen / 100m;
        payoutSettings["autoApproveBelow"] = AutoApproveBelowFen / 100m;
        payoutSettings["dualApprovalFrom"] = DualApprovalFromFen / 100m;
        await admin.PutJsonAsync("/api/payouts/settings", payoutSettings, HttpStatusCode.OK);
        await admin.PostJsonAsync("/api/attribution-policy", new { mode = "FirstTouch", protectionDays = ProtectionDays }, HttpStatusCode.OK);
        foreach (var r in Rules)
            await admin.PostJsonAsync("/api/commission-rules", new
            {
                name = r.Name,
                appliesTo = r.Kinds,
                sku = r.Sku,
                category = r.Category,
                basisPoints = r.BasisPoints,
                fixedFenPerUnit = r.FenPerUnit,
                effectiveFrom = Start,
            }, HttpStatusCode.Created);

        var stores = (await admin.GetJsonAsync("/api/org/stores")).EnumerateArray().Select(e => Guid.Parse(e.Str("id"))).ToList();
        var earners = new List<EarnerRef>();
        var partners = new Dictionary<string, Session>(StringComparer.Ordinal);
        var bound = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var kind = i < 4 ? "PartTimeGuide" : "ShareAmbassador";
            var id = (await admin.PostJsonAsync("/api/partners", new { kind, name = $"合伙人{i}", homeStoreId = stores[i % stores.Count] }, HttpStatusCode.Created)).Str("id");
            await admin.PostJsonAsync($"/api/partners/{id}/approve", new { }, HttpStatusCode.OK);
            var code = (await admin.GetJsonAsync($"/api/codes?partnerId={id}")).Str("code");
            var holder = $"{kind}:{id}";
            earners.Add(new EarnerRef(holder, Guid.Parse(id), code, IsPartner: true));

            // A login each; all but the last bind their WeChat through the fake's OAuth (the last one's withdrawals are
            // refused: no openid) and give their real name (transfers from ¥2,000).
            var login = $"mm-partner-{i}";
            await admin.PostJsonAsync($"/api/partners/{id}/login", new { login, password = "partner-pass-1" }, HttpStatusCode.Created);
            partners[holder] = new Session(server, login, "partner-pass-1", clock);
            if (i == 5) continue;
            using var partner = await server.ClientAsAsync(login, "partner-pass-1");
            var authorize = new Uri((await partner.GetJsonAsync("/api/payouts/wechat/authorize")).Str("authorizeUrl"));
            fake.AuthorizeAs = $"o-money-model-{i}";
            using (var browser = new HttpClient())
                (await (await browser.GetAsync(authorize, Ct)).JsonAsync(HttpStatusCode.OK)).GetProperty("bound").GetBoolean().ShouldBeTrue();
            await partner.PutJsonAsync("/api/payouts/real-name", new { realName = $"模型{i}" }, HttpStatusCode.OK);
            bound.Add(holder);
        }
        await using (var scope = server.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Set(tenant);
            scope.ServiceProvider.GetRequiredService<ActorContext>().Current = Actor.System(tenant, "money-model");
            (await scope.ServiceProvider.GetRequiredService<CreateUser.Handler>().HandleAsync(
                new CreateUser.Request("finance-2", "finance-pass-2", "HQ009", "第二财务", "Finance", null, null), Ct)).IsOk.ShouldBeTrue();
        }
        Session[] approvers = [new(server, "demo-finance", Core.Features.Demo.SeedDemoBrand.Password, clock), new(server, "finance-2", "finance-pass-2", clock)];
        List<Guid> guides;
        await using (var db = database.NewContext(tenant))
            guides = (await db.Staff.Where(x => x.Role == StaffRole.Guide && x.Status == StaffStatus.Active).OrderBy(x => x.EmployeeNo).Take(6)
                .Select(x => x.Id).ToListAsync(Ct)).Select(x => x.Value).ToList();
        foreach (var g in guides)
        {
            var code = (await admin.GetJsonAsync($"/api/codes?staffId={g}")).Str("code");
            earners.Add(new EarnerRef($"OfficialGuide:{g}", g, code, IsPartner: false));
        }

        var key = (await admin.PostJsonAsync("/api/auth/api-keys", new
        {
            name = "money-model",
            scopes = new[] { "touches.write", "orders.write", "commission.write", "partners.write", "customers.read", "org.read" },
        }, HttpStatusCode.Created)).Str("key");
        var client = server.Client();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return new World(tenant, client, earners, stores, partners, approvers, bound);
    }

    /// <summary>The operation's effect on the reference model (independent operations of a group in their listed order).</summary>
    private static void Apply(ReferenceModel model, PayoutModel payouts, Op op, DateTimeOffset now)
    {
        switch (op)
        {
            case TouchOp t:
                model.Touch(t.Phone, t.Toucher.Holder, now);
                break;
            case OrderOp o:
                model.PlaceOrder(o.ExternalNo, o.Pos, o.Phone, o.Code?.Holder, o.PlacedAt, o.Lines, o.OrderDiscountFen);
                break;
            case OrderBatchOp b:
                foreach (var o in b.Orders) Apply(model, payouts, o, now);
                break;
            case EventOp e:
                var order = model.OrderOf(e.ExternalNo)!;
                switch (e.Kind)
                {
                    case EventKind.Completed: model.Complete(order, e.At); break;
                    case EventKind.AfterSaleOpened: ReferenceModel.OpenAfterSale(order, e.Key); break;
                    case EventKind.AfterSaleClosed: ReferenceModel.CloseAfterSale(order, e.Key); break;
                    case EventKind.Refunded: model.Refund(order, e.Key, e.Parts); break;
                }
                break;
            case SettleOp:
                model.Settle(now);
                break;
            case PartnerStatusOp p:
                model.SetActive(p.Partner.Holder, !p.Freeze);
                break;
            case RetryOp:
                break; // the same key and body: the first answer, no change
            case ParallelOp g:
                foreach (var x in g.Ops) Apply(model, payouts, x, now);
                break;
            case DuplicateOp d:
                // Touches have no idempotency key: each copy is a touch (the same claim at the same instant, so their order
                // cannot matter). Everything else is idempotent: one effect.
                for (var i = 0; i < (d.Op is TouchOp ? d.Copies : 1); i++) Apply(model, payouts, d.Op, now);
                break;
            case WithdrawOp w:
                (w.Expected, w.RefusedField) = payouts.Request(w.Partner.Holder, w.Key, w.GrossFen);
                break;
            case DecideOp d:
                d.ExpectedStatus = payouts.Decide(d.Payout, d.Approver, d.Approve);
                break;
            case SendPayoutsOp or ReconcileOp:
                break; // no money moves: the sender makes bills, reconciliation tells the server what WeChat already did
            case BillOp { Target: "REDELIVER" } b:
                PayoutModel.Delivered(b.Payout);
                break;
            case BillOp { Target: "TRANSFERING" }:
                break;
            case BillOp b:
                payouts.Finish(b.Payout, b.Target, delivered: b.Delivery != Delivery.None);
                break;
            default:
                throw new InvalidOperationException($"No model for {op.GetType().Name}.");
        }
    }

    /// <summary>Sends operations over HTTP and checks each answer: the first order 201, a replay 200, events and runs 200;
    /// a 409 "changed at the same moment, send it again" (a lost race between concurrent requests) is sent again, as a
    /// client would.</summary>
    private sealed class Driver(HttpClient client, PayoutDriver payouts)
    {
        public PayoutDriver Payouts => payouts;

        private readonly ConcurrentDictionary<string, Guid> _orderIds = new(StringComparer.Ordinal);
        private int _requests;

        public int Requests => _requests;

        public async Task SendAsync(Op op)
        {
            switch (op)
            {
                case TouchOp t:
                    await PostAsync("/api/touches", new { code = t.Toucher.Code, channel = t.Toucher.IsPartner ? "Partner" : "Staff", method = "QrScan", phone = t.Phone },
                        HttpStatusCode.OK);
                    break;
                case OrderOp o:
                    await OrderAsync(o, replay: false);
                    break;
                case OrderBatchOp b:
                    var answer = await PostAsync("/api/orders/batch", b.Orders.Select(o => o.Body).ToList(), HttpStatusCode.OK);
                    var items = answer.GetProperty("items").EnumerateArray().ToList();
                    for (var i = 0; i < b.Orders.Count; i++)
                    {
                        if (items[i].Str("status") != "Created") throw new InvalidOperationException($"batch item {i} ({b.Orders[i].ExternalNo}): {items[i]}");
                        _orderIds[b.Orders[i].ExternalNo] = Guid.Parse(items[i].Str("orderId"));
                    }
                    break;
                case EventOp e:
                    await PostAsync($"/api/orders/{_orderIds[e.ExternalNo]}/events", e.Body, HttpStatusCode.OK);
                    break;
                case SettleOp:
                    await PostAsync("/api/settlement/run", new { }, HttpStatusCode.OK);
                    break;
                case WithdrawOp or DecideOp or SendPayoutsOp or BillOp or ReconcileOp or RetryOp { Original: WithdrawOp }:
                    await payouts.SendAsync(op);
                    break;
                case PartnerStatusOp p:
                    await PostAsync($"/api/partners/{p.Partner.Id}/{(p.Freeze ? "freeze" : "approve")}", new { }, HttpStatusCode.OK);
                    break;
                case RetryOp { Original: OrderOp o }:
                    await OrderAsync(o, replay: true);
                    break;
                case RetryOp { Original: EventOp e }:
                    var replayed = await PostAsync($"/api/orders/{_orderIds[e.ExternalNo]}/events", e.Body, HttpStatusCode.OK);
                    if (!replayed.GetProperty("replayed").GetBoolean()) throw new InvalidOperationException($"a retried {e.Kind} was not answered as a replay: {replayed}");
                    break;
                case ParallelOp g:
                    await Task.WhenAll(g.Ops.Select(SendAsync));
                    break;
                case DuplicateOp { Op: OrderOp o } d:
                    var statuses = await Task.WhenAll(Enumerable.Range(0, d.Copies).Select(_ => OrderAsync(o, replay: null)));
                    if (statuses.Count(x => x == HttpStatusCode.Created) != 1)
                        throw new InvalidOperationException($"{d.Copies} copies of order {o.ExternalNo} sent at once: {string.Join(", ", statuses)} (exactly one 201 expected)");
                    break;
                case DuplicateOp d:
                    await Task.WhenAll(Enumerable.Range(0, d.Copies).Select(_ => SendAsync(d.Op)));
                    break;
                default:
                    throw new InvalidOperationException($"No request for {op.GetType().Name}.");
            }
        }

        /// <summary>One order: 201 when new, 200 when a replay; <paramref name="replay"/> null accepts either (a copy sent at once).</summary>
        private async Task<HttpStatusCode> OrderAsync(OrderOp o, bool? replay)
        {
            var (status, body) = await SendWithRetryAsync("/api/orders", o.Body);
            var expected = replay switch { true => [HttpStatusCode.OK], false => [HttpStatusCode.Created], null => new[] { HttpStatusCode.OK, HttpStatusCode.Created } };
            if (!expected.Contains(status)) throw new InvalidOperationException($"POST /api/orders {o.ExternalNo}: {(int)status} (expected {string.Join(" or ", expected.Select(x => (int)x))}) {body}");
            var id = Guid.Parse(JsonDocument.Parse(body).RootElement.Str("id"));
            if (_orderIds.GetOrAdd(o.ExternalNo, id) != id) throw new InvalidOperationException($"order {o.ExternalNo} answered with two ids");
            return status;
        }

        private async Task<JsonElement> PostAsync(string url, object body, HttpStatusCode expected)
        {
            var (status, text) = await SendWithRetryAsync(url, body);
            if (status != expected) throw new InvalidOperationException($"POST {url}: {(int)status} (expected {(int)expected}) {text}");
            return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        }

        private async Task<(HttpStatusCode Status, string Body)> SendWithRetryAsync(string url, object body)
        {
            for (var attempt = 1; ; attempt++)
            {
                Interlocked.Increment(ref _requests);
                using var response = await client.PostAsJsonAsync(url, body, Ct);
                var text = await response.Content.ReadAsStringAsync(Ct);
                // Only the race answer is retried: "another request changed the same records at the same moment; send it again".
                if (response.StatusCode == HttpStatusCode.Conflict && attempt < 10 && text.Contains("again", StringComparison.Ordinal))
                {
                    await Task.Delay(attempt * 5, Ct);
                    continue;
                }
                return (response.StatusCode, text);
            }
        }
    }

    /// <summary>The ledger read through a DbContext, checked on its own (balanced postings, unique keys, intact chains) and
    /// against the reference model earner by earner.</summary>
    private static async Task VerifyLedgerAsync(TestDatabase database, TenantId tenant, ReferenceModel model, DatabaseProvider provider, int seed, IEnumerable<string> trace, IReadOnlyList<string> history)
    {
        await using var db = database.NewContext(tenant);
        var entries = await db.LedgerEntries.AsNoTracking().ToListAsync(Ct);
        var postings = await db.LedgerPostings.AsNoTracking().ToListAsync(Ct);
        var orderNos = await db.Orders.AsNoTracking().ToDictionaryAsync(o => o.Id, o => o.ExternalNo, Ct);
        var problems = new List<string>();
        var diverging = new List<ReferenceModel.Order>();

        foreach (var p in entries.GroupBy(e => e.PostingId).Where(g => g.Sum(e => e.AmountFen) != 0))
            problems.Add($"posting {p.Key} sums to {p.Sum(e => e.AmountFen)} fen, not 0");
        foreach (var k in postings.GroupBy(p => p.Key, StringComparer.Ordinal).Where(g => g.Count() > 1))
            problems.Add($"posting key {k.Key} used {k.Count()} times");
        var postingIds = postings.Select(p => p.Id).ToHashSet();
        if (entries.FirstOrDefault(e => !postingIds.Contains(e.PostingId)) is { } orphan) problems.Add($"entry {orphan.Id} belongs to no posting");

        foreach (var chain in entries.Where(e => e.Holder != Core.Features.Commission.Earner.Brand).GroupBy(e => e.Holder, StringComparer.Ordinal))
        {
            string? previous = null;
            long seq = 0;
            foreach (var e in chain.OrderBy(e => e.Seq))
            {
                var expectedHash = LedgerEntry.ComputeHash(LedgerEntry.CanonicalForm(e.Id, e.At, e.Holder, e.Bucket, e.AmountFen, e.PostingId, e.Reason, e.OrderId, e.PrevHash));
                if (e.Seq != ++seq || e.PrevHash != previous || e.Hash != expectedHash)
                {
                    problems.Add($"{chain.Key}: the hash chain breaks at seq {e.Seq} (expected seq {seq})");
                    break;
                }
                previous = e.Hash;
            }
        }
        if (entries.Any(e => e.Holder == Core.Features.Commission.Earner.Brand && e.Seq != 0)) problems.Add("brand entries are chained");

        var ledger = entries.Where(e => e.Holder != Core.Features.Commission.Earner.Brand).GroupBy(e => e.Holder, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (Pending: g.Where(e => e.Bucket == LedgerBucket.Pending).Sum(e => e.AmountFen),
                Available: g.Where(e => e.Bucket == LedgerBucket.Available).Sum(e => e.AmountFen)), StringComparer.Ordinal);
        var payoutBuckets = entries.Where(e => e.Holder != Core.Features.Commission.Earner.Brand).GroupBy(e => e.Holder, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (Withdrawing: g.Where(e => e.Bucket == LedgerBucket.Withdrawing).Sum(e => e.AmountFen),
                PaidOut: g.Where(e => e.Bucket == LedgerBucket.PaidOut).Sum(e => e.AmountFen)), StringComparer.Ordinal);
        var holders = ledger.Keys.Union(model.Balances.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        foreach (var holder in holders)
        {
            var actual = ledger.GetValueOrDefault(holder);
            var expected = model.Balances.GetValueOrDefault(holder) ?? new ReferenceModel.Balance();
            var moving = payoutBuckets.GetValueOrDefault(holder);
            if (moving.Withdrawing != expected.Withdrawing || moving.PaidOut != expected.PaidOut)
                problems.Add($"{holder}: ledger Withdrawing {moving.Withdrawing} / PaidOut {moving.PaidOut} fen, model Withdrawing {expected.Withdrawing} / PaidOut {expected.PaidOut} fen");
            if (actual.Pending == expected.Pending && actual.Available == expected.Available) continue;

            // The first order (in the order the model received them) whose contribution to this earner differs.
            var byOrder = entries.Where(e => e.Holder == holder && e.OrderId is not null).GroupBy(e => orderNos.GetValueOrDefault(e.OrderId!.Value, "?"), StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => (Pending: g.Where(e => e.Bucket == LedgerBucket.Pending).Sum(e => e.AmountFen),
                    Available: g.Where(e => e.Bucket == LedgerBucket.Available).Sum(e => e.AmountFen)), StringComparer.Ordinal);
            var first = model.Orders.Select(o => (Order: o, Model: model.ContributionOf(holder, o.ExternalNo), Ledger: byOrder.GetValueOrDefault(o.ExternalNo)))
                .FirstOrDefault(x => x.Model.Pending != x.Ledger.Pending || x.Model.Available != x.Ledger.Available);
            var where = first.Order is { } o
                ? $"first diverging order {o.ExternalNo} (placedAt {o.PlacedAt:O}, customer {o.Phone}, model credit {o.Credit ?? "pool"}, lines {string.Join(", ", o.Lines.Select(l => $"{l.Sku}×{l.Quantity} paid {l.PaidFen} refunded {l.RefundedFen}"))}; "
                    + $"commission {string.Join(", ", o.Commission.Select(c => $"L{c.LineNo} {c.AmountFen}−{c.ReversedFen}"))}): "
                    + $"model Pending {first.Model.Pending} / Available {first.Model.Available}, ledger Pending {first.Ledger.Pending} / Available {first.Ledger.Available}"
                : "no single order differs";
            if (first.Order is { } found) diverging.Add(found);
            problems.Add($"{holder}: ledger Pending {actual.Pending} / Available {actual.Available} fen, model Pending {expected.Pending} / Available {expected.Available} fen; {where}");
        }

        if (problems.Count > 0)
        {
            var message = new StringBuilder($"MoneyModel on {provider}, seed {seed} (GUIDELINK_MODEL_SEED={seed}): {problems.Count} problem(s) after the run:\n");
            foreach (var p in problems.Take(15)) message.Append("  ").AppendLine(p);
            foreach (var d in diverging.DistinctBy(o => o.ExternalNo).Take(3))
                message.AppendLine($"Every operation on {d.ExternalNo}'s customer {d.Phone} or the order itself:")
                    .AppendJoin('\n', history.Where(h => h.Contains(d.Phone, StringComparison.Ordinal) || h.Contains(d.ExternalNo, StringComparison.Ordinal))).AppendLine();
            message.AppendLine("Last operations:").AppendJoin('\n', trace);
            Assert.Fail(message.ToString());
        }
        model.Balances.Values.Sum(b => b.Pending + b.Available).ShouldBeGreaterThan(0, "the run credited no commission at all: the model test would prove nothing");
        model.Balances.Values.Sum(b => b.Available).ShouldNotBe(0, "nothing was ever settled: the model test would prove nothing");
    }

    /// <summary>The payouts against the model and the fake WeChat Pay: every payout in the model's final state; every bill
    /// at WeChat belongs to exactly one payout, for its net and its partner's openid; no payout paid twice (one Success
    /// posting per paid payout, none for the others); the brand's TaxWithheld and FeeIncome equal the model's sums; the
    /// reconciliation report is empty (nothing contradicted).</summary>
    private static async Task VerifyPayoutsAsync(TestDatabase database, TenantId tenant, PayoutModel model, FakeWeChatPayServer fake,
        DatabaseProvider provider, int seed)
    {
        await using var db = database.NewContext(tenant);
        var stored = await db.Payouts.AsNoTracking().ToDictionaryAsync(p => p.Id, Ct);
        var postings = await db.LedgerPostings.AsNoTracking().Where(p => p.Key.StartsWith("payout:")).Select(p => p.Key).ToListAsync(Ct);
        var brand = await db.LedgerEntries.AsNoTracking().Where(e => e.Holder == Core.Features.Commission.Earner.Brand
            && (e.Bucket == LedgerBucket.TaxWithheld || e.Bucket == LedgerBucket.FeeIncome)).ToListAsync(Ct);
        var openIds = await db.Partners.AsNoTracking().Where(p => p.WeChatOpenId != null).ToDictionaryAsync(p => p.Id.Value, p => p.WeChatOpenId!, Ct);
        var mismatches = await db.PayoutMismatches.AsNoTracking().ToListAsync(Ct);
        var problems = new List<string>();

        if (stored.Count != model.Payouts.Count) problems.Add($"{stored.Count} payouts stored, the model made {model.Payouts.Count}");
        var bills = fake.Bills.ToDictionary(b => b.OutBillNo, StringComparer.Ordinal);
        var byBill = model.Payouts.Where(p => p.OutBillNo is not null).GroupBy(p => p.OutBillNo!, StringComparer.Ordinal).ToList();
        foreach (var g in byBill.Where(g => g.Count() > 1)) problems.Add($"out_bill_no {g.Key} belongs to {g.Count()} payouts");
        foreach (var b in bills.Values.Where(b => !byBill.Any(g => g.Key == b.OutBillNo))) problems.Add($"bill {b.OutBillNo} at WeChat belongs to no payout");
        foreach (var p in model.Payouts)
        {
            if (!stored.TryGetValue(p.Id, out var s))
            {
                problems.Add($"{p}: not stored");
                continue;
            }
            if (s.Status.ToString() != p.State.ToString()) problems.Add($"{p}: stored {s.Status}, the model says {p.State}");
            if ((s.GrossFen, s.TaxFen, s.FeeFen, s.NetFen) != (p.GrossFen, p.TaxFen, p.FeeFen, p.NetFen))
                problems.Add($"{p}: stored gross/tax/fee/net {(s.GrossFen, s.TaxFen, s.FeeFen, s.NetFen)}, model {(p.GrossFen, p.TaxFen, p.FeeFen, p.NetFen)}");
            if (s.OutBillNo != p.OutBillNo) problems.Add($"{p}: stored bill {s.OutBillNo}, answered {p.OutBillNo}");
            var successes = postings.Count(k => k == $"payout:{p.Id}:Success");
            if (successes != (p.State == PayoutModel.State.Success ? 1 : 0)) problems.Add($"{p}: {successes} Success postings ({p.State})");
            var returns = postings.Count(k => k == $"payout:{p.Id}:Fail" || k == $"payout:{p.Id}:Cancelled" || k == $"payout:{p.Id}:return");
            if (returns > 1) problems.Add($"{p}: returned {returns} times");
            var bill = p.OutBillNo is null ? null : bills.GetValueOrDefault(p.OutBillNo);
            if (p.State is PayoutModel.State.Success or PayoutModel.State.Fail or PayoutModel.State.Cancelled)
            {
                var expected = p.State switch { PayoutModel.State.Success => "SUCCESS", PayoutModel.State.Fail => "FAIL", _ => "CANCELLED" };
                if (bill is null) problems.Add($"{p}: {p.State} but WeChat holds no bill");
                else
                {
                    if (bill.State != expected) problems.Add($"{p}: {p.State} but WeChat's bill is {bill.State}");
                    if (bill.AmountFen != p.NetFen) problems.Add($"{p}: WeChat's bill is for {bill.AmountFen} fen, the net is {p.NetFen}");
                    var partnerId = Guid.Parse(p.Holder[(p.Holder.IndexOf(':', StringComparison.Ordinal) + 1)..]);
                    if (bill.OpenId != openIds.GetValueOrDefault(partnerId)) problems.Add($"{p}: WeChat paid openid {bill.OpenId}, not the partner's");
                }
            }
            else if (bill is not null) problems.Add($"{p}: {p.State} but WeChat holds bill {bill.OutBillNo} ({bill.State})");
        }
        var creates = fake.Requests.Where(r => r.Method == "POST" && r.Target == FakeWeChatPayServer.TransferBillsPath).ToList();
        foreach (var r in creates.Where(r => !r.SignatureValid)) problems.Add($"a create request at WeChat did not verify: {r.Body}");
        var tax = brand.Where(e => e.Bucket == LedgerBucket.TaxWithheld).Sum(e => e.AmountFen);
        var fee = brand.Where(e => e.Bucket == LedgerBucket.FeeIncome).Sum(e => e.AmountFen);
        if ((tax, fee) != (model.TaxWithheldFen, model.FeeIncomeFen))
            problems.Add($"brand TaxWithheld {tax} / FeeIncome {fee} fen, model {model.TaxWithheldFen} / {model.FeeIncomeFen} fen");
        foreach (var m in mismatches.Take(5)) problems.Add($"reconciliation report: {m.OutBillNo} ours {m.OurState}, WeChat {m.ProviderState} ({m.Source}: {m.Detail})");

        if (problems.Count > 0)
            Assert.Fail($"MoneyModel payouts on {provider}, seed {seed} (GUIDELINK_MODEL_SEED={seed}): {problems.Count} problem(s):\n  " + string.Join("\n  ", problems.Take(20)));
        // The run must have exercised what it claims to.
        model.Payouts.Count(p => p.State == PayoutModel.State.Success).ShouldBeGreaterThan(0, "no payout was ever paid");
        model.Payouts.Count(p => p.State is PayoutModel.State.Fail or PayoutModel.State.Cancelled).ShouldBeGreaterThan(0, "no transfer ever failed");
        model.Payouts.Count(p => p.ApprovalsRequired == 2 && p.State != PayoutModel.State.Rejected && p.Approvers.Count == 2).ShouldBeGreaterThan(0, "no dual approval");
    }
}
