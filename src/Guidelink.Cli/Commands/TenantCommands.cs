using System.CommandLine;
using Guidelink.Core.Features.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Cli.Commands;

internal static class TenantCommands
{
    public static Command Create(CliContext cli)
    {
        var slug = new Option<string>("--slug") { Description = "Short unique handle: lower-case letters, digits and '-'.", Required = true };
        var name = new Option<string>("--name") { Description = "Display name of the brand.", Required = true };
        var timeZone = new Option<string?>("--time-zone") { Description = $"IANA time zone for calendar figures (default {Tenant.DefaultTimeZone})." };

        var create = new Command("create", "Create a brand.") { slug, name, timeZone };
        create.SetAction((parse, ct) => cli.InScopeAsync(parse, async services =>
        {
            var outcome = await services.GetRequiredService<CreateTenant.Handler>()
                .HandleAsync(new CreateTenant.Request(parse.GetValue(slug)!, parse.GetValue(name)!, parse.GetValue(timeZone)), ct);
            if (!outcome.IsOk) return await cli.FailAsync(outcome);
            var brand = outcome.Value!;
            await cli.Output.WriteLineAsync($"Brand '{brand.Slug}' created: {brand.Name} (time zone {brand.TimeZone}, id {brand.Id}).");
            return GuidelinkCli.Ok;
        }));
        return new Command("tenant", "Brands.") { create };
    }
}
