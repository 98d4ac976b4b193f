using System.CommandLine;
using System.Globalization;
using Guidelink.Core.Features.Orders;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Cli.Commands;

internal static class SettleCommands
{
    public static Command Create(CliContext cli)
    {
        var tenant = new Option<string?>("--tenant") { Description = "Slug of the brand (may be left out when there is only one)." };
        var asOf = new Option<DateTimeOffset?>("--as-of")
        {
            Description = "Settle only what was due by this instant (ISO 8601; never later than now), to replay a past timeline step by step.",
        };
        var settle = new Command("settle", "Move to Available the commission of orders whose return window has closed (and no after-sale request is open).")
        {
            tenant, asOf,
        };
        settle.SetAction((parse, ct) => cli.InScopeAsync(parse, async services =>
        {
            if (await cli.EnterBrandAsync(services, parse.GetValue(tenant), ct) is null) return GuidelinkCli.Failed;
            var done = await services.GetRequiredService<SettleOrders.Handler>().HandleAsync(parse.GetValue(asOf), ct);
            await cli.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Settled {done.Orders} order(s): {OrderMoney.Show(done.MovedFen)} moved from Pending to Available."));
            return GuidelinkCli.Ok;
        }));
        return settle;
    }
}
