using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Guidelink.Cli;
using Guidelink.Core.Persistence;
using Guidelink.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

// Connect benchmarks (bench/README.md). Loopback only; every load phase is bounded by time.
var what = args.FirstOrDefault() ?? "all";
var seconds = double.Parse(Environment.GetEnvironmentVariable("BENCH_SECONDS") ?? "15", CultureInfo.InvariantCulture);
var importRows = int.Parse(Environment.GetEnvironmentVariable("BENCH_IMPORT_ROWS") ?? "1000000", CultureInfo.InvariantCulture);
var providers = (Environment.GetEnvironmentVariable("BENCH_PROVIDERS") ?? "Sqlite,Postgres").Split(',').Select(Enum.Parse<DatabaseProvider>).ToList();
// PostgreSQL as a production server runs it: every commit flushed to disk (PostgresServer.Durable). The tests' cluster
// runs with fsync and synchronous commit off, which makes a commit nearly free: the bare one-insert-per-commit endpoint
// then ran at 8,400–12,700/s here, against ~6,200/s in the issue's own measurement of this machine's limit.
// BENCH_PG_DURABLE=0 measures on the tests' settings instead, for comparison. (GUIDELINK_TEST_POSTGRES names a server
// of your own and overrides both.)
PostgresServer.Durable = Environment.GetEnvironmentVariable("BENCH_PG_DURABLE") != "0";

if (what is "touches" or "all")
    foreach (var provider in providers) await Touches.RunAsync(provider, TimeSpan.FromSeconds(Math.Min(seconds, 20)));
if (what is "profile")
    foreach (var provider in providers) await Profile.RunAsync(provider);
if (what is "import" or "all")
    await Import.RunAsync(importRows);
// Activate (OrdersBench.cs): BENCH_ORDERS orders for the batch ingest; BENCH_RETAIL names the online-retail file.
if (what is "orders" or "all")
    foreach (var provider in providers)
    {
        await OrdersBench.BatchAsync(provider, int.Parse(Environment.GetEnvironmentVariable("BENCH_ORDERS") ?? "20000", CultureInfo.InvariantCulture));
        if (Environment.GetEnvironmentVariable("BENCH_HTTP") != "0") await OrdersBench.HttpAsync(provider, TimeSpan.FromSeconds(Math.Min(seconds, 20)));
    }
if (what is "orders-import" or "all")
    await OrdersBench.ImportAsync(Environment.GetEnvironmentVariable("BENCH_RETAIL") ?? "../shared/data/online_retail.csv.gz");

internal static class Load
{
    public const int Clients = 64;

    /// <summary>64 concurrent clients post for <paramref name="duration"/>; returns requests/s, p50 and p99 in ms, and how
    /// many requests were answered in all (the last ones may end well after <paramref name="duration"/>).</summary>
    public static async Task<(double PerSecond, double P50, double P99, int Errors, int Count)> RunAsync(TimeSpan duration, Func<int, long, Task<bool>> request)
    {
        var latencies = new List<double>[Clients];
        var errors = 0;
        long sequence = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async c =>
        {
            var mine = latencies[c] = [];
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                var ok = await request(c, Interlocked.Increment(ref sequence));
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (!ok) Interlocked.Increment(ref errors);
            }
        }));
        var all = latencies.SelectMany(l => l).Order().ToList();
        return (all.Count / clock.Elapsed.TotalSeconds, all[all.Count / 2], all[(int)(all.Count * 0.99)], errors, all.Count);
    }

    /// <summary>Runs the load and adds the CPU it cost per request: this process (server and load generator) and, on
    /// PostgreSQL, the cluster's processes (backends, WAL writer…), read from /proc — what the ratio alone hides on a
    /// machine shared with other work.</summary>
    public static async Task<Measured> MeasureAsync(TimeSpan duration, PostgresCpu? postgres, Func<int, long, Task<bool>> request)
    {
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var postgresBefore = postgres?.Total() ?? TimeSpan.Zero;
        var clock = Stopwatch.StartNew();
        var (perSecond, p50, p99, errors, _) = await RunAsync(duration, request);
        var count = perSecond * clock.Elapsed.TotalSeconds;
        process.Refresh();
        return new Measured(perSecond, p50, p99, errors, (process.TotalProcessorTime - cpuBefore).TotalMicroseconds / count,
            postgres is null ? null : (postgres.Total() - postgresBefore).TotalMicroseconds / count);
    }
}

/// <summary>One load phase: requests/s, p50 and p99 in ms, errors, and CPU µs per request (this process; the PostgreSQL
/// cluster when there is one).</summary>
internal sealed record Measured(double PerSecond, double P50, double P99, int Errors, double ProcessCpu, double? PostgresCpu)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{PerSecond:F0}/s p50 {P50:F1} ms p99 {P99:F1} ms errors {Errors} cpu/req: process {ProcessCpu:F0} µs{(PostgresCpu is { } pg ? $" + postgres {pg:F0} µs" : "")}");
}

/// <summary>CPU time of the PostgreSQL cluster serving a connection: the postmaster and every process it started, summed
/// from /proc (Linux only; zero elsewhere). Exited processes drop out, so use pooled connections that stay open.</summary>
internal sealed class PostgresCpu(int postmaster)
{
    public static async Task<PostgresCpu?> OfAsync(string connectionString)
    {
        if (!OperatingSystem.IsLinux()) return null;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_backend_pid()", connection);
        var backend = (int)(await command.ExecuteScalarAsync())!;
        return Stat(backend) is { } stat ? new PostgresCpu(stat.Parent) : null;
    }

    public TimeSpan Total()
    {
        long ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(dir), out var pid) && Stat(pid) is { } stat && (pid == postmaster || stat.Parent == postmaster))
                ticks += stat.Ticks;
        return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ
    }

    private static (int Parent, long Ticks)? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' '); // fields from the 3rd (state) on
            return (int.Parse(fields[1], CultureInfo.InvariantCulture), long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture));
        }
        catch (IOException)
        {
            return null;
        }
    }
}

/// <summary>PostgreSQL's planner statistics, as a running server has them. A bench database is minutes old, and autovacuum
/// analyzes a table at most once a minute (autovacuum_naptime): until then the planner guesses that a brand has a few
/// dozen customers, and looks a batch's phone hashes up by reading every customer of the brand through another index
/// (EXPLAIN ANALYZE in a touch run: 27,609 rows read and filtered for 20 found, 5–20 ms a batch) instead of probing the
/// phone-hash index. A server that has run for a minute has these statistics; the bench takes them after its warm-up.</summary>
internal static class Statistics
{
    public static Task RefreshAsync(TestDatabase database) => RunAsync(database, "ANALYZE");

    /// <summary>Runs <paramref name="sql"/> on a PostgreSQL bench database (nothing on SQLite).</summary>
    public static async Task RunAsync(TestDatabase database, string sql)
    {
        if (database.Provider != DatabaseProvider.Postgres) return;
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>(a) POST /api/touches from 64 clients, against a bare endpoint doing one insert into a table shaped like
/// Touches, in the same run and on the same database.</summary>
internal static class Touches
{
    public static async Task RunAsync(DatabaseProvider provider, TimeSpan duration)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        // BENCH_TOUCH_WRITERS: the writer loops on PostgreSQL (Guidelink:Database:TouchWriters), to compare counts.
        string[] writers = Environment.GetEnvironmentVariable("BENCH_TOUCH_WRITERS") is { Length: > 0 } loops ? [$"--Guidelink:Database:TouchWriters={loops}"] : [];
        await using var server = await GuidelinkInstance.StartAsync(database, extraArgs: ["--Logging:LogLevel:Default=Error", .. writers]);
        using var guide = await server.ClientAsAsync("demo-guide");
        var postgres = provider == DatabaseProvider.Postgres ? await PostgresCpu.OfAsync(database.ConnectionString) : null;
        var load = () => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
        Console.WriteLine($"touches {provider}: load average {load()} at the start");

        // Warm-up under the same load (new phones of their own): pools, and the JIT's tiering up of the whole path, so the
        // phases measure a server's steady state. BENCH_WARMUP, in seconds, default 30: with 5 s, perf showed the touches
        // still running tier-0 code and the JIT's background thread using 12–15 % of the process's CPU throughout the
        // measured phase (on 2 saturated cores the product's path — ASP.NET Core, EF, Npgsql and ours — takes far longer
        // to tier up than the bare endpoint's few methods); each endpoint gets the same warm-up.
        var warmUp = TimeSpan.FromSeconds(double.Parse(Environment.GetEnvironmentVariable("BENCH_WARMUP") ?? "30", CultureInfo.InvariantCulture));
        await Load.RunAsync(warmUp, async (client, n) =>
        {
            using var response = await guide.PostAsJsonAsync("/api/touches", new { phone = $"137{n:00000000}", channel = "Staff", method = "Manual" });
            return response.IsSuccessStatusCode;
        });

        await using var bare = await BareHost.StartAsync(database);
        using var bareClient = new HttpClient { BaseAddress = bare.Address, Timeout = TimeSpan.FromSeconds(30) };
        await Load.RunAsync(warmUp, async (client, n) =>
        {
            using var response = await bareClient.PostAsJsonAsync("/insert", new { phone = $"137{n:00000000}", channel = "Staff", method = "Manual" });
            return response.IsSuccessStatusCode;
        });

        await Statistics.RefreshAsync(database);

        // The request pipeline alone (bearer token, the actor — from the per-person cache, ActorCache — JSON out), no touch:
        // the ceiling that per-request authentication puts on any authenticated endpoint of the product.
        var authOnly = await Load.MeasureAsync(duration, postgres, async (client, n) =>
        {
            using var response = await guide.GetAsync("/api/auth/me");
            return response.IsSuccessStatusCode;
        });
        Console.WriteLine($"  auth only (GET /api/auth/me)  {authOnly}");

        // Touches and the bare insert in alternating phases (BENCH_ROUNDS rounds, default 3, each a touch phase and a bare
        // phase, the order flipped every round): this machine's speed drifts by a third over minutes, and with one phase
        // each, 45 s apart, the ratio carried that drift. Each round's ratio compares two neighbouring phases; the run's
        // ratio is the rate over all touch phases against the rate over all bare phases. New phones in every round.
        var rounds = Math.Clamp(int.Parse(Environment.GetEnvironmentVariable("BENCH_ROUNDS") ?? "3", CultureInfo.InvariantCulture), 1, 7);
        var touchPhases = new List<Measured>();
        var barePhases = new List<Measured>();
        for (var round = 0; round < rounds; round++)
        {
            var prefix = 130 + round; // 130–136: valid mainland numbers, none shared with the warm-up's 137
            Task<Measured> Touch() => Load.MeasureAsync(duration, postgres, async (client, n) =>
            {
                using var response = await guide.PostAsJsonAsync("/api/touches", new { phone = $"{prefix}{n:00000000}", channel = "Staff", method = "QrScan" });
                return response.IsSuccessStatusCode;
            });
            Task<Measured> Bare() => Load.MeasureAsync(duration, postgres, async (client, n) =>
            {
                using var response = await bareClient.PostAsJsonAsync("/insert", new { phone = $"{prefix}{n:00000000}", channel = "Staff", method = "QrScan" });
                return response.IsSuccessStatusCode;
            });
            Measured product, floor;
            if (round % 2 == 0) (product, floor) = (await Touch(), await Bare());
            else (floor, product) = (await Bare(), await Touch());
            touchPhases.Add(product);
            barePhases.Add(floor);
            Console.WriteLine($"  round {round + 1} POST /api/touches     {product}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  round {round + 1} bare insert           {floor}  → {product.PerSecond / floor.PerSecond:P0}"));
        }
        var ratios = touchPhases.Zip(barePhases, (t, b) => t.PerSecond / b.PerSecond).Order().ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"touches {provider}: {touchPhases.Average(p => p.PerSecond):F0}/s against bare {barePhases.Average(p => p.PerSecond):F0}/s: ratio {touchPhases.Average(p => p.PerSecond) / barePhases.Average(p => p.PerSecond):P0} of bare (rounds {string.Join(", ", ratios.Select(r => r.ToString("P0", CultureInfo.InvariantCulture)))}); load average {load()} at the end"));
    }
}

/// <summary>The floor: a minimal API on Kestrel that parses the same JSON and inserts one row into a table shaped like
/// Touches (same key and indexes), with a pooled connection — no auth, no EF, no attribution.</summary>
internal sealed class BareHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BareHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public sealed record Body(string? Phone, string? Channel, string? Method);

    public static async Task<BareHost> StartAsync(TestDatabase database)
    {
        var sqlite = database.Provider == DatabaseProvider.Sqlite;
        var connectionString = sqlite ? new SqliteConnectionStringBuilder(database.ConnectionString) { DefaultTimeout = 30 }.ToString() : database.ConnectionString;
        await ExecuteAsync(sqlite, connectionString, """
            CREATE TABLE IF NOT EXISTS "BenchTouches" ("TenantId" TEXT NOT NULL, "Id" TEXT NOT NULL, "Phone" TEXT NULL, "Channel" TEXT NOT NULL,
                "Method" TEXT NOT NULL, "OccurredAt" BIGINT NOT NULL, PRIMARY KEY ("TenantId", "Id"));
            CREATE INDEX IF NOT EXISTS "IX_BenchTouches_Occurred" ON "BenchTouches" ("TenantId", "OccurredAt");
            """);
        var tenant = Guid.NewGuid().ToString();

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        // SQLite has one writer: an honest floor queues its writers in process (as SqliteWriteGate does for the product)
        // instead of letting 64 connections collide on the database lock and sleep in the busy handler. Still one
        // INSERT per request in its own autocommit transaction — no batching in the floor.
        var writeGate = new SemaphoreSlim(1, 1);
        app.MapPost("/insert", async (Body body, CancellationToken ct) =>
        {
            if (sqlite) await writeGate.WaitAsync(ct);
            try
            {
                await ExecuteAsync(sqlite, connectionString,
                    "INSERT INTO \"BenchTouches\" VALUES (@t, @id, @phone, @channel, @method, @at)", ct,
                    ("@t", tenant), ("@id", Guid.CreateVersion7().ToString()), ("@phone", body.Phone), ("@channel", body.Channel ?? ""),
                    ("@method", body.Method ?? ""), ("@at", DateTimeOffset.UtcNow.UtcTicks));
            }
            finally
            {
                if (sqlite) writeGate.Release();
            }
            return Results.Ok();
        });
        await app.StartAsync();
        return new BareHost(app, new Uri(app.Urls.First()));
    }

    private static async Task ExecuteAsync(bool sqlite, string connectionString, string sql, CancellationToken ct = default, params (string Name, object? Value)[] parameters)
    {
        await using System.Data.Common.DbConnection connection = sqlite ? new SqliteConnection(connectionString) : new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            command.Parameters.Add(p);
        }
        await command.ExecuteNonQueryAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>(b) `guidelink import customers` of N generated customers (half with a guide as owner, half in a store
/// pool) into a fresh SQLite database with the demo brand, in-process.</summary>
internal static class Import
{
    public static async Task RunAsync(int rows)
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var seed = await GuidelinkCli.RunAsync(["seed", "demo", "--org-only", .. database.Args], TextWriter.Null, Console.Error);
        if (seed != 0) throw new InvalidOperationException("seed failed");
        var folder = Directory.CreateTempSubdirectory("guidelink-bench-");
        var file = Path.Combine(folder.FullName, "customers.csv");
        await using (var writer = new StreamWriter(file))
        {
            await writer.WriteLineAsync("phone,name,gender,birthday,store,owner");
            string[] stores = ["SH-XH", "SH-PD", "HZ-XH"];
            for (var i = 0; i < rows; i++)
                await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"138{i:00000000},顾客{i},{(i % 3 == 0 ? "M" : "F")},1990-01-{i % 28 + 1:00},{stores[i % 3]},{(i % 2 == 0 ? $"G{i % 24 + 1:000}" : "")}"));
        }
        var size = new FileInfo(file).Length;
        using var output = new StringWriter();
        var clock = Stopwatch.StartNew();
        var exit = await GuidelinkCli.RunAsync(["import", "customers", file, "--tenant", "qimu", .. database.Args], output, Console.Error);
        var elapsed = clock.Elapsed;
        Console.WriteLine(output.ToString().Split('\n').Where(l => !l.Contains("rows read", StringComparison.Ordinal)).Aggregate((a, b) => a + "\n" + b));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"import sqlite: {rows:N0} rows ({size / 1048576.0:F0} MiB) exit {exit} in {elapsed.TotalSeconds:F1} s = {rows / elapsed.TotalSeconds:N0} rows/s"));
        folder.Delete(recursive: true);
    }
}

/// <summary>Where a touch's time goes, one request at a time (no contention, so each figure is close to its cost): the HTTP
/// pipeline without and with authentication, the actor's query alone, and a touch.</summary>
internal static class Profile
{
    public static async Task RunAsync(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database, extraArgs: ["--Logging:LogLevel:Default=Error"]);
        using var guide = await server.ClientAsAsync("demo-guide");
        using var anonymous = server.Client();
        var me = await guide.GetFromJsonAsync<Me>("/api/auth/me");
        const int n = 2000;

        async Task<double> TimeAsync(string what, Func<int, Task> step)
        {
            for (var i = 0; i < 200; i++) await step(-i - 1); // warm-up
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < n; i++) await step(i);
            var us = clock.Elapsed.TotalMicroseconds / n;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"profile {provider}: {what,-55} {us,8:F0} µs"));
            return us;
        }

        if (provider == DatabaseProvider.Sqlite)
        {
            await using var raw = new SqliteConnection(database.ConnectionString);
            await raw.OpenAsync();
            await using (var create = raw.CreateCommand()) { create.CommandText = "CREATE TABLE IF NOT EXISTS ProfileRows (Id TEXT PRIMARY KEY, V INTEGER)"; await create.ExecuteNonQueryAsync(); }
            await TimeAsync("raw INSERT autocommit (Microsoft.Data.Sqlite)", async i =>
            {
                await using var c = raw.CreateCommand();
                c.CommandText = "INSERT INTO ProfileRows VALUES ($id, $v)";
                c.Parameters.AddWithValue("$id", Guid.NewGuid().ToString());
                c.Parameters.AddWithValue("$v", i);
                await c.ExecuteNonQueryAsync();
            });
        }
        await TimeAsync("GET /healthz (HTTP, no auth)", async _ => (await anonymous.GetAsync("/healthz")).Dispose());
        await TimeAsync("GET /api/auth/me (bearer + cached actor)", async _ => (await guide.GetAsync("/api/auth/me")).Dispose());
        await TimeAsync("ActorFactory.ForStaffAsync alone (own scope)", async _ =>
        {
            await using var scope = server.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GuidelinkDb>();
            scope.ServiceProvider.GetRequiredService<Guidelink.Core.Features.Tenancy.TenantContext>().Set(new Guidelink.Core.Shared.TenantId(me!.TenantId));
            await Guidelink.Core.Features.Access.ActorFactory.ForStaffAsync(db, new Guidelink.Core.Shared.TenantId(me.TenantId),
                new Guidelink.Core.Shared.StaffId(me.StaffId!.Value), DateTimeOffset.UtcNow, CancellationToken.None);
        });
        await TimeAsync("POST /api/touches (one at a time: batches of 1)", async i =>
            (await guide.PostAsJsonAsync("/api/touches", new { phone = $"139{i + 1000:00000000}", channel = "Staff", method = "QrScan" })).Dispose());
    }

    private sealed record Me(Guid TenantId, Guid? StaffId);
}
