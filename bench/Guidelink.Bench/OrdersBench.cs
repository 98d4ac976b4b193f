using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Guidelink.Cli;
using Guidelink.Core.Features.Catalog;
using Guidelink.Core.Features.Orders;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

/// <summary>Activate benchmarks (bench/README.md): (a) batch ingest through the Core handler, (b) single orders over HTTP
/// beside the bare insert, (c) the online-retail import end to end. Every order of (a) and (b) carries a partner's share
/// code and a new customer, so each one is a touch + decision + credit + commission (5% rule) + ledger posting.</summary>
internal static class OrdersBench
{
    private static IngestOrders.OrderRequest Order(string no, Guid store, string phone, string code) =>
        new("MiniMall", no, store, null, new IngestOrders.CustomerRequest(null, phone, null, null), code,
        [
            new IngestOrders.LineRequest("SOFA-01", "云朵沙发", "sofa", 1, 999.00m, null),
            new IngestOrders.LineRequest("LAMP-02", "落地灯", "lighting", 2, 150.00m, 20.00m),
            new IngestOrders.LineRequest("RUG-03", "地毯", "sofa", 1, 80.00m, null),
        ], 10.00m, 0m, 0m, 1349.00m, null, null, null);

    /// <summary>The demo brand, its categories, a 5% rule for partners and one approved partner's code.</summary>
    private static async Task<(TenantId Tenant, Guid Store, string Code)> BrandAsync(TestServices services)
    {
        var tenant = await services.SeedDemoBrandAsync(default);
        var store = await services.SofaStoreWithPartnerRuleAsync(tenant, "合伙人 5%", 500, null, default);
        await using (var scope = services.ScopeFor(tenant))
        {
            var db = scope.ServiceProvider.GetRequiredService<GuidelinkDb>();
            db.Categories.Add(Category.Create(tenant, "lighting", "灯具")); // the lamp line's
            await db.SaveChangesAsync();
        }
        var (_, code) = await services.ApprovedPartnerAsync(tenant, store.Value, "压测合伙人", default);
        return (tenant, store.Value, code);
    }

    /// <summary>(a) IngestOrders.Handler directly (no HTTP), batches of 1,000 orders of 3 lines, each in its own unit of work.</summary>
    public static async Task BatchAsync(DatabaseProvider provider, int orders)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var services = new TestServices(database);
        // BENCH_SQL: SQL run on the PostgreSQL bench database after its migrations, for experiments (e.g. putting back the
        // keys that migration KeysInsideAggregates dropped, to measure the schema before it; bench/README.md).
        if (Environment.GetEnvironmentVariable("BENCH_SQL") is { Length: > 0 } sql) await Statistics.RunAsync(database, sql);
        var (tenant, store, code) = await BrandAsync(services);
        async Task<int> RunAsync(int from, int count)
        {
            var created = 0;
            for (var start = from; start < from + count; start += IngestOrders.MaxBatch)
            {
                await using var scope = services.ScopeFor(tenant);
                var batch = Enumerable.Range(start, Math.Min(IngestOrders.MaxBatch, from + count - start))
                    .Select(i => Order($"B-{i}", store, $"138{i:00000000}", code)).ToList();
                var results = await scope.ServiceProvider.GetRequiredService<IngestOrders.Handler>().HandleAsync(batch, null, CancellationToken.None);
                created += results.Count(r => r.Status == IngestOrders.ItemStatus.Created);
            }
            return created;
        }
        // Warm-up (JIT, pools): BENCH_WARMUP_ORDERS, default 40,000 = 40 batches. The tiered JIT compiles a method's optimized
        // code after 30 calls, and the batch's own methods (the handler, the context load, the pipeline) are called once per
        // batch: after 10 batches they still ran as tier-0 code and were recompiled during the measured phase (perf: 10 % of
        // all samples in the JIT's thread, 0.05–0.07 ms of this process's CPU per order). A running server is past that.
        var warmUp = int.Parse(Environment.GetEnvironmentVariable("BENCH_WARMUP_ORDERS") ?? "40000", CultureInfo.InvariantCulture);
        await RunAsync(50_000_000, warmUp); // numbers and phones of their own
        await Statistics.RefreshAsync(database); // as autovacuum would have by now on a running server (Program.cs)
        var postgres = provider == DatabaseProvider.Postgres ? await PostgresCpu.OfAsync(database.ConnectionString) : null;
        var postgresBefore = postgres?.Total() ?? TimeSpan.Zero;
        var before = LoadAverage();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var created = await RunAsync(1000, orders);
        var elapsed = clock.Elapsed;
        var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var postgresUsed = (postgres?.Total() ?? TimeSpan.Zero) - postgresBefore;
        await using var db = database.NewContext(tenant);
        var commission = await db.CommissionLines.CountAsync();
        var entries = await db.LedgerEntries.CountAsync();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"orders batch {provider}: {created:N0} of {orders:N0} orders (3 lines, share code, new customer) in {elapsed.TotalSeconds:F1} s = {created / elapsed.TotalSeconds:N0} orders/s | CPU {used.TotalSeconds:F1} s = {used.TotalMilliseconds / Math.Max(1, created):F2} ms/order (this process, server included){(postgres is null ? "" : $" + postgres {postgresUsed.TotalMilliseconds / Math.Max(1, created):F2} ms/order")} | commission lines {commission:N0}, ledger entries {entries:N0} | load before {before}, after {LoadAverage()}"));
    }

    /// <summary>(b) POST /api/orders, one order per request, 64 clients, beside the bare one-insert endpoint, same run and database.</summary>
    public static async Task HttpAsync(DatabaseProvider provider, TimeSpan duration)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database, extraArgs: ["--Logging:LogLevel:Default=Error"]);
        string code;
        Guid store;
        await using (var services = new TestServices(database))
            (_, store, code) = await BrandAsync(services);
        using var admin = await server.ClientAsAsync("demo-admin");
        for (var i = 0; i < 50; i++) (await admin.PostAsJsonAsync("/api/orders", Order($"W-{i}", store, $"137{i:00000000}", code))).EnsureSuccessStatusCode();

        // CPU of this process over the load phase: the server, its SQLite engine and the 64 clients (not PostgreSQL's server).
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var product = await Load.RunAsync(duration, async (client, n) =>
        {
            using var response = await admin.PostAsJsonAsync("/api/orders", Order($"H-{n}", store, $"139{n:00000000}", code));
            return response.IsSuccessStatusCode;
        });
        var productCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / Math.Max(1, product.Count);
        await using var bare = await BareHost.StartAsync(database);
        using var bareClient = new HttpClient { BaseAddress = bare.Address, Timeout = TimeSpan.FromSeconds(30) };
        for (var i = 0; i < 50; i++) await bareClient.PostAsJsonAsync("/insert", new { phone = "warm", channel = "Other", method = "Order" });
        cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var floor = await Load.RunAsync(duration, async (client, n) =>
        {
            using var response = await bareClient.PostAsJsonAsync("/insert", new { phone = $"139{n:00000000}", channel = "Other", method = "Order" });
            return response.IsSuccessStatusCode;
        });
        var floorCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / Math.Max(1, floor.Count);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"orders http {provider}: {product.PerSecond:F0}/s p50 {product.P50:F1} ms p99 {product.P99:F1} ms errors {product.Errors} CPU {productCpu:F2} ms/order | bare insert {floor.PerSecond:F0}/s p50 {floor.P50:F1} ms p99 {floor.P99:F1} ms errors {floor.Errors} CPU {floorCpu:F2} ms/insert | ratio {product.PerSecond / floor.PerSecond:P0} of bare | load {LoadAverage()}"));
    }

    /// <summary>(c) `guidelink import orders` of the whole online-retail file into a fresh SQLite database with the demo org.</summary>
    public static async Task ImportAsync(string file)
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        if (await GuidelinkCli.RunAsync(["seed", "demo", "--org-only", .. database.Args], TextWriter.Null, Console.Error) != 0) throw new InvalidOperationException("seed failed");
        using var output = new StringWriter();
        var before = LoadAverage();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var exit = await GuidelinkCli.RunAsync(["import", "orders", file, "--tenant", "qimu", "--create-missing", .. database.Args], output, Console.Error);
        var elapsed = clock.Elapsed;
        var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Console.WriteLine(string.Join('\n', output.ToString().Split('\n').Where(l => !l.Contains('%', StringComparison.Ordinal))));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"orders import sqlite: exit {exit} in {elapsed.TotalSeconds:F1} s wall, {used.TotalSeconds:F1} s CPU | load before {before}, after {LoadAverage()}"));
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
}
