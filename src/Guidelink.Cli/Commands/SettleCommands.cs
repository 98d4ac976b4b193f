using System.CommandLine;
using System.Globalization;
using Guidelink.Core.Features.Orders;
using Guidelink.Core.Persistence;
using Microsoft.EntityFrameworkCore;
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
            var slug = parse.GetValue(tenant);
            if (slug is null)
            {
                var slugs = await services.GetRequiredService<GuidelinkDb>().Tenants.AsNoTracking().Select(t => t.Slug).Take(2).ToListAsync(ct);
                if (slugs.Count != 1)
                {
                    await cli.Error.WriteLineAsync(slugs.Count == 0 ? "error: there is no brand yet." : "error: there are several brands: name one with --tenant.");
                    return GuidelinkCli.Failed;
                }
                slug = slugs[0];
            }
            if (await cli.EnterBrandAsync(services, slug, ct) is null) return GuidelinkCli.Failed;
            var done = await services.GetRequiredService<SettleOrders.Handler>().HandleAsync(parse.GetValue(asOf), ct);
            await cli.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Settled {done.Orders} order(s): {OrderMoney.Show(done.MovedFen)} moved from Pending to Available."));
            return GuidelinkCli.Ok;
        }));
        return settle;
    }
}
