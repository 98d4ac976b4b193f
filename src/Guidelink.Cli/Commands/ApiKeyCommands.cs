using System.CommandLine;
using Guidelink.Core.Features.Access;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Cli.Commands;

internal static class ApiKeyCommands
{
    public static Command Create(CliContext cli)
    {
        var tenant = new Option<string>("--tenant") { Description = "Slug of the brand.", Required = true };
        var name = new Option<string>("--name") { Description = "What the key is for, e.g. the POS system.", Required = true };
        var scopes = new Option<string[]>("--scopes")
        {
            Description = "Comma-separated permissions, e.g. orders.write,touches.write.",
            Required = true,
        };
        scopes.CompletionSources.Add(Permissions.All.ToArray());

        var create = new Command("create", "Issue an API key for a machine of the brand; the key is shown once.") { tenant, name, scopes };
        create.SetAction((parse, ct) => cli.InScopeAsync(parse, async services =>
        {
            if (await cli.EnterBrandAsync(services, parse.GetValue(tenant)!, ct) is not { } brand) return GuidelinkCli.Failed;
            var requested = parse.GetValue(scopes)!.SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
            var outcome = await services.GetRequiredService<CreateApiKey.Handler>().HandleAsync(new CreateApiKey.Request(parse.GetValue(name), requested), ct);
            if (!outcome.IsOk) return await cli.FailAsync(outcome);
            var key = outcome.Value!;
            await cli.Output.WriteLineAsync($"API key '{key.Name}' created in brand '{brand.Slug}' (id {key.Id}), scopes: {string.Join(", ", key.Scopes)}");
            await cli.Output.WriteLineAsync(key.Key);
            await cli.Output.WriteLineAsync("Store this key now: it cannot be shown again.");
            return GuidelinkCli.Ok;
        }));
        return new Command("apikey", "API keys for machines (POS, mall).") { create };
    }
}
