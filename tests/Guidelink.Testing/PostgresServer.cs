using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Guidelink.Testing;

/// <summary>The PostgreSQL half of the provider matrix. Uses the server named by GUIDELINK_TEST_POSTGRES
/// (a connection string) if set; else starts a throwaway cluster from the installed server binaries
/// (initdb + pg_ctl, as the 'postgres' user when running as root, on a free loopback port, removed when
/// the test process exits); else reports why it cannot, and the tests are skipped — except in CI, where
/// a missing PostgreSQL is a failure.</summary>
public static class PostgresServer
{
    private static readonly Lazy<Task<string>> Server = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    private static string? _unavailable;
    private static Func<Task>? _stop; // set once the cluster is ours; run once, by whichever of the two ends comes first

    /// <summary>Stops the cluster this process started and removes its folder (once; nothing if none was started).
    /// Called by <see cref="PostgresServerLifetime"/> while the test run is still going: done in ProcessExit instead, the
    /// stop and the delete of every test database (hundreds of MB) run after xUnit's entry point has returned, and xUnit
    /// then prints "Waiting 10 seconds for foreground threads to exit" and, past 11 s, ends the process with exit code 1.</summary>
    public static Task StopAsync() => Interlocked.Exchange(ref _stop, null)?.Invoke() ?? Task.CompletedTask;

    /// <summary>Start the throwaway cluster with PostgreSQL's own durability settings (every commit flushed to disk, full
    /// page images) instead of the tests' <c>fsync=off, synchronous_commit=off, full_page_writes=off</c>. The benchmarks set
    /// it (bench/README.md): what a commit costs is part of what they measure, and a production server pays it. Read once,
    /// when the cluster starts.</summary>
    public static bool Durable { get; set; }

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>A connection string to a brand-new, empty database on the test server.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        string admin;
        try { admin = await Server.Value; }
        catch (Exception ex) { _unavailable = ex.Message; admin = ""; }
        if (_unavailable is not null)
        {
            var reason = $"PostgreSQL not available: {_unavailable}";
            if (IsCi) throw new InvalidOperationException(reason + " (CI must run the PostgreSQL half of the matrix.)");
            Xunit.Assert.Skip(reason);
        }

        var name = $"gl_test_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(admin) { Database = name, MaxPoolSize = 100 }.ConnectionString;
    }

    private static async Task<string> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("GUIDELINK_TEST_POSTGRES") is { Length: > 0 } configured) return configured;

        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderDescending().FirstOrDefault()
            : null;
        if (bin is null) throw new InvalidOperationException("set GUIDELINK_TEST_POSTGRES, or install PostgreSQL server binaries (/usr/lib/postgresql/*/bin).");

        var asRoot = Environment.UserName == "root";
        var dir = Path.Combine(Path.GetTempPath(), $"guidelink-pg-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(dir);
        if (asRoot) await RunAsync("chown", ["postgres:postgres", dir], asPostgres: false);
        var data = Path.Combine(dir, "data");
        await RunAsync(Path.Combine(bin, "initdb"), ["-D", data, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "-U", "postgres"], asRoot);
        // Tests trade durability for speed; a benchmark measures what a production server does (Durable).
        var durability = Durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
        // A free port is only free until someone takes it (the other test processes open connections all the time):
        // pick it just before the start, and if the start fails (e.g. the port was taken meanwhile) try another.
        int port;
        for (var attempt = 1; ; attempt++)
        {
            port = FreePort();
            try
            {
                await RunAsync(Path.Combine(bin, "pg_ctl"), ["-D", data, "-l", Path.Combine(dir, "server.log"), "-w", "-t", "60",
                    "-o", $"-p {port} -k {dir} -c listen_addresses=127.0.0.1 -c max_connections=300{durability}", "start"], asRoot);
                break;
            }
            catch (InvalidOperationException) when (attempt < 3) { }
        }

        _stop = async () =>
        {
            try
            {
                await RunAsync(Path.Combine(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "stop"], asRoot);
                Directory.Delete(dir, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                // Best effort: the folder lives under the temp directory either way.
            }
        };
        // The fallback when the run ends without the assembly fixture (e.g. cancelled): the same stop, at process exit.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAsync().GetAwaiter().GetResult();
        return $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true";
    }

    private static async Task RunAsync(string file, IReadOnlyList<string> args, bool asPostgres)
    {
        var start = new ProcessStartInfo(asPostgres ? "runuser" : file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/tmp" };
        if (asPostgres) foreach (var a in new[] { "-u", "postgres", "--", file }) start.ArgumentList.Add(a);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(file)} failed ({process.ExitCode}): {await stderr} {await stdout}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
