using System.CommandLine;
using System.Data.Common;
using Guidelink.Cli.Commands;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Guidelink.Cli;

/// <summary>The `guidelink` command. Program.cs runs it on the console; tests run it in-process with their
/// own writers.</summary>
public static class GuidelinkCli
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int UsageError = 2;

    private const string SettingPrefix = "--Guidelink:";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        try
        {
            var (settings, rest) = SplitSettings(args);
            // The same sources, in the same order of precedence, as the server reads.
            var configuration = new ConfigurationBuilder()
                .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
                .AddEnvironmentVariables()
                .AddCommandLine(settings)
                .Build();
            var cli = new CliContext(configuration, output, error);

            var root = new RootCommand("Guidelink administration: database, brands, logins and API keys.")
            {
                cli.ProviderOption,
                cli.ConnectionOption,
                DbCommands.Create(cli),
                SeedCommands.Create(cli),
                TenantCommands.Create(cli),
                UserCommands.Create(cli),
                ApiKeyCommands.Create(cli),
                ImportCommands.Create(cli),
                SettleCommands.Create(cli),
                VerifyStatementCommands.Create(cli),
            };
            var parsed = root.Parse(rest);
            var exit = await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
            // System.CommandLine reports usage errors with 1, which would read like a refused request.
            return parsed.Errors.Count > 0 ? UsageError : exit;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("Cancelled.");
            return 130;
        }
        catch (Exception ex) when (IsOperational(ex))
        {
            // An unreachable database or a missing key is the operator's to fix: a stack trace would bury the reason.
            await error.WriteLineAsync($"error: {MessagesOf(ex)}");
            if (IsMissingTable(ex)) await error.WriteLineAsync("The database looks unmigrated: run `guidelink db migrate` first.");
            return Failed;
        }
    }

    /// <summary>Separates `--Guidelink:Key=value` (or `--Guidelink:Key value`) settings, which configure the
    /// app as they do the server, from the command and its options.</summary>
    internal static (string[] Settings, string[] Remaining) SplitSettings(IReadOnlyList<string> args)
    {
        var settings = new List<string>();
        var rest = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith(SettingPrefix, StringComparison.OrdinalIgnoreCase))
            {
                rest.Add(args[i]);
                continue;
            }
            settings.Add(args[i]);
            if (!args[i].Contains('=', StringComparison.Ordinal) && i + 1 < args.Count) settings.Add(args[++i]);
        }
        return (settings.ToArray(), rest.ToArray());
    }

    private static bool IsOperational(Exception ex) =>
        ex is DbException or InvalidOperationException or ArgumentException or FormatException or IOException or UnauthorizedAccessException
        || (ex.InnerException is { } inner && IsOperational(inner));

    private static bool IsMissingTable(Exception? ex) => ex switch
    {
        null => false,
        SqliteException sqlite => sqlite.Message.Contains("no such table", StringComparison.Ordinal),
        PostgresException pg => pg.SqlState == PostgresErrorCodes.UndefinedTable,
        _ => IsMissingTable(ex.InnerException),
    };

    private static string MessagesOf(Exception ex)
    {
        var messages = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
            if (!messages.Contains(e.Message)) messages.Add(e.Message);
        return string.Join(" → ", messages);
    }
}
