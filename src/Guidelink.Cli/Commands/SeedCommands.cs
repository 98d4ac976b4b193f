using System.CommandLine;
using Guidelink.Core.Features.Demo;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Guidelink.Cli.Commands;

internal static class SeedCommands
{
    public static Command Create(CliContext cli)
    {
        var orgOnly = new Option<bool>("--org-only") { Description = "Only the org and the staff logins: no partners, customers or touches." };
        var demo = new Command("demo", $"Seed the demo brand '{SeedDemoBrand.Slug}' (does nothing if it exists).") { orgOnly };
        demo.SetAction((parse, ct) => cli.InScopeAsync(parse, async services =>
        {
            var seeded = await services.GetRequiredService<SeedDemoBrand.Handler>().HandleAsync(ct);
            // Same as the server's first start: the brand comes with partners, customers and their touches.
            if (!parse.GetValue(orgOnly))
                await services.GetRequiredService<SeedDemoActivity.Handler>().HandleAsync(new Core.Shared.TenantId(seeded.TenantId), ct);
            await cli.Output.WriteLineAsync(seeded.Created
                ? $"Demo brand '{SeedDemoBrand.Slug}' seeded."
                : $"Demo brand '{SeedDemoBrand.Slug}' already present: nothing changed.");
            await cli.Output.WriteLineAsync($"Demo logins (password: {SeedDemoBrand.Password}):");

            // Spectre measures Chinese characters as two columns, so the table stays aligned where padding would not.
            var grid = new Grid().AddColumn(new GridColumn().PadLeft(2)).AddColumn(new GridColumn().PadLeft(2));
            foreach (var login in seeded.Logins) grid.AddRow(new Text(login.Login), new Text(login.Who));
            AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(cli.Output) }).Write(grid);
            return GuidelinkCli.Ok;
        }));
        return new Command("seed", "Sample data.") { demo };
    }
}
