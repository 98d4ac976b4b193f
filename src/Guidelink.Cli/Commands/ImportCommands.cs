using System.CommandLine;
using System.Globalization;
using Guidelink.Core.Features.Customers;
using Guidelink.Core.Features.Orders;
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
        return new Command("import", "Bulk imports.") { customers, Orders(cli) };
    }

    private static Command Orders(CliContext cli)
    {
        var tenant = new Option<string?>("--tenant") { Description = "Slug of the brand (may be left out when there is only one)." };
        var file = new Argument<FileInfo>("file") { Description = "Invoice lines, CSV (gzip or plain): InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country." };
        var map = new Option<string?>("--map") { Description = "column=field,... for other headers (fields: invoice, sku, description, quantity, date, price, customer, country)." };
        var createMissing = new Option<bool>("--create-missing") { Description = "Create unknown stores (Country) and products (StockCode)." };
        var report = new Option<FileInfo?>("--report") { Description = "Write rejected and unmatched lines here (CSV: line, reason, original columns)." };
        var channel = new Option<string>("--channel") { Description = "The orders' channel (Other, Pos, MiniMall, Livestream).", DefaultValueFactory = _ => "Other" };
        var command = new Command("orders", "Import invoices as orders (one per invoice; C… invoices refund earlier purchases). Re-running a file changes nothing.")
        {
            file, tenant, map, createMissing, report, channel,
        };
        command.SetAction((parse, ct) => cli.InScopeAsync(parse, async services =>
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
            var handler = services.GetRequiredService<ImportOrders.Handler>();
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(cli.Output) });
            ImportOrders.Request Request(IProgress<ImportOrders.Progress> progress) =>
                new(input, parse.GetValue(map), parse.GetValue(createMissing), rejected, progress, parse.GetValue(channel)!);
            Core.Shared.Outcome<ImportOrders.Response>? outcome = null;

            if (console.Profile.Capabilities.Interactive && !Console.IsOutputRedirected && ReferenceEquals(cli.Output, Console.Out))
            {
                await console.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .StartAsync(async progress =>
                    {
                        var reading = progress.AddTask($"Reading {path.Name}", maxValue: Math.Max(1, input.Length));
                        var writing = progress.AddTask("Writing invoices", autoStart: false);
                        outcome = await handler.HandleAsync(Request(new OrderProgress(p =>
                        {
                            var task = p.Stage == ImportOrders.Stage.Reading ? reading : writing;
                            if (!task.IsStarted) task.StartTask();
                            task.MaxValue = Math.Max(1, p.Total);
                            task.Value = p.Done;
                        })), ct);
                        reading.Value = reading.MaxValue;
                        writing.Value = writing.MaxValue;
                    });
            }
            else
            {
                // Not a terminal: a plain line every 10% of each stage instead of a redrawn bar.
                var last = (Stage: (ImportOrders.Stage?)null, Tenth: -1L);
                outcome = await handler.HandleAsync(Request(new OrderProgress(p =>
                {
                    var tenth = p.Total > 0 ? p.Done * 10 / p.Total : 0;
                    if (last.Stage == p.Stage && last.Tenth == tenth) return;
                    last = (p.Stage, tenth);
                    cli.Output.WriteLine(p.Stage == ImportOrders.Stage.Reading ? $"  reading {tenth * 10}%" : $"  {p.Done:N0} of {p.Total:N0} invoices written ({tenth * 10}%)");
                })), ct);
            }
            if (!outcome!.IsOk) return await cli.FailAsync(outcome);
            var done = outcome.Value!;
            var c = CultureInfo.InvariantCulture;
            await cli.Output.WriteLineAsync($"Imported orders into brand '{brand.Slug}' from {path.Name}:");
            await cli.Output.WriteLineAsync(string.Create(c, $"  lines             {done.Lines,12:N0}"));
            await cli.Output.WriteLineAsync(string.Create(c, $"  invoices          {done.Invoices,12:N0}"));
            await cli.Output.WriteLineAsync(string.Create(c, $"  orders created    {done.OrdersCreated,12:N0}"));
            await cli.Output.WriteLineAsync(string.Create(c, $"  orders present    {done.OrdersPresent,12:N0}"));
            await cli.Output.WriteLineAsync(string.Create(c, $"  cancel lines      {done.CancellationLines,12:N0}"));
            await cli.Output.WriteLineAsync(string.Create(c, $"  refunded          {done.Refunded,12:N0}  ({Core.Features.Orders.OrderMoney.Show(done.RefundedFen)}, commission reversed {Core.Features.Orders.OrderMoney.Show(done.ReversedFen)})"));
            await cli.Output.WriteLineAsync(string.Create(c, $"  refunds present   {done.RefundsPresent,12:N0}"));
            await cli.Output.WriteLineAsync(string.Create(c, $"  partially matched {done.PartiallyMatched,12:N0}"));
            await cli.Output.WriteLineAsync(string.Create(c, $"  unmatched         {done.Unmatched,12:N0}"));
            await cli.Output.WriteLineAsync(string.Create(c, $"  rejected          {done.Rejected,12:N0}{(done.Rejected + done.Unmatched + done.PartiallyMatched > 0 && rejected is null ? "  (pass --report FILE to see them)" : "")}"));
            await cli.Output.WriteLineAsync(string.Create(c, $"  customers created {done.CustomersCreated,12:N0}"));
            await cli.Output.WriteLineAsync(string.Create(c, $"  stores created    {done.StoresCreated,12:N0}"));
            await cli.Output.WriteLineAsync(string.Create(c, $"  products created  {done.ProductsCreated,12:N0}"));
            await cli.Output.WriteLineAsync(string.Create(c, $"  elapsed           {done.Elapsed.TotalSeconds,12:N1} s"));
            await cli.Output.WriteLineAsync(string.Create(c, $"  lines/s           {done.LinesPerSecond,12:N0}"));
            if (parse.GetValue(report) is { } reportFile) await cli.Output.WriteLineAsync($"Rejected and unmatched lines: {reportFile.FullName}");
            return GuidelinkCli.Ok;
        }));
        return command;
    }

    private sealed class OrderProgress(Action<ImportOrders.Progress> report) : IProgress<ImportOrders.Progress>
    {
        public void Report(ImportOrders.Progress value) => report(value);
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool and race the summary).</summary>
    private sealed class InlineProgress(Action<ImportCustomers.Progress> report) : IProgress<ImportCustomers.Progress>
    {
        public void Report(ImportCustomers.Progress value) => report(value);
    }
}
