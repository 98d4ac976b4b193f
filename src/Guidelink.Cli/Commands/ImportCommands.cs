using System.CommandLine;
using System.Globalization;
using Guidelink.Core.Features.Customers;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Guidelink.Cli.Commands;

internal static class ImportCommands
{
    public static Command Create(CliContext cli)
    {
        var file = new Argument<FileInfo>("file") { Description = "CSV file, UTF-8, first line a header (phone, name, gender, birthday, store, owner)." };
        var tenant = new Option<string?>("--tenant") { Description = "Slug of the brand (may be left out when there is only one)." };
        var map = new Option<string?>("--map") { Description = "column=field,... for headers that are not field names, e.g. 手机号码=phone,导购工号=owner." };
        var store = new Option<string?>("--store") { Description = "Store code for rows that name no store." };
        var report = new Option<FileInfo?>("--report") { Description = "Write rejected rows here (CSV: line, reason, original columns)." };

        var customers = new Command("customers", "Import customers: rows with an owner are attributed by the brand's policy, the rest go to the store's pool. Re-running a file changes nothing.")
        {
            file, tenant, map, store, report,
        };
        customers.SetAction((parse, ct) => cli.InScopeAsync(parse, async services =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                await cli.Error.WriteLineAsync($"error: file '{path.FullName}' does not exist.");
                return GuidelinkCli.Failed;
            }
            if (await cli.EnterBrandAsync(services, parse.GetValue(tenant), ct) is not { } brand) return GuidelinkCli.Failed;

            await using var input = new FileStream(path.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            await using var rejected = parse.GetValue(report) is { } r ? new StreamWriter(r.FullName, append: false, new System.Text.UTF8Encoding(true)) : null;
            var handler = services.GetRequiredService<ImportCustomers.Handler>();
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(cli.Output) });
            ImportCustomers.Response? done = null;
            Core.Shared.Outcome<ImportCustomers.Response>? outcome = null;

            if (console.Profile.Capabilities.Interactive && !Console.IsOutputRedirected && ReferenceEquals(cli.Output, Console.Out))
            {
                await console.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .StartAsync(async progress =>
                    {
                        var task = progress.AddTask($"Importing {path.Name}", maxValue: Math.Max(1, input.Length));
                        outcome = await handler.HandleAsync(new ImportCustomers.Request(input, parse.GetValue(map), parse.GetValue(store), rejected,
                            new InlineProgress(p => task.Value = p.BytesRead)), ct);
                        task.Value = task.MaxValue;
                    });
            }
            else
            {
                // Not a terminal: a plain line every 10% instead of a redrawn bar.
                var lastTenth = -1L;
                outcome = await handler.HandleAsync(new ImportCustomers.Request(input, parse.GetValue(map), parse.GetValue(store), rejected,
                    new InlineProgress(p =>
                    {
                        var tenth = p.TotalBytes > 0 ? p.BytesRead * 10 / p.TotalBytes : 0;
                        if (tenth == lastTenth) return;
                        lastTenth = tenth;
                        cli.Output.WriteLine($"  {p.Rows:N0} rows read ({tenth * 10}%)");
                    })), ct);
            }
            if (!outcome!.IsOk) return await cli.FailAsync(outcome);
            done = outcome.Value!;
            var c = CultureInfo.InvariantCulture;
            await cli.Output.WriteLineAsync($"Imported into brand '{brand.Slug}' from {path.Name}:");
            await cli.Output.WriteLineAsync(string.Create(c, $"  imported        {done.Imported,12:N0}"));
            await cli.Output.WriteLineAsync(string.Create(c, $"  already present {done.AlreadyPresent,12:N0}"));
            await cli.Output.WriteLineAsync(string.Create(c, $"  rejected        {done.Rejected,12:N0}{(done.Rejected > 0 && rejected is null ? "  (pass --report FILE to see them)" : "")}"));
            await cli.Output.WriteLineAsync(string.Create(c, $"  rows            {done.Rows,12:N0}"));
            await cli.Output.WriteLineAsync(string.Create(c, $"  elapsed         {done.Elapsed.TotalSeconds,12:N1} s"));
            await cli.Output.WriteLineAsync(string.Create(c, $"  rows/s          {done.RowsPerSecond,12:N0}"));
            if (done.Rejected > 0 && parse.GetValue(report) is { } reportFile) await cli.Output.WriteLineAsync($"Rejected rows: {reportFile.FullName}");
            return GuidelinkCli.Ok;
        }));
        return new Command("import", "Bulk imports.") { customers };
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool and race the summary).</summary>
    private sealed class InlineProgress(Action<ImportCustomers.Progress> report) : IProgress<ImportCustomers.Progress>
    {
        public void Report(ImportCustomers.Progress value) => report(value);
    }
}
