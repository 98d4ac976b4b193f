using System.CommandLine;
using Guidelink.Core;
using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Cli;

/// <summary>What every command shares: the configuration, the global database options, the writers, and
/// one unit of work per command.</summary>
internal sealed class CliContext(IConfiguration configuration, TextWriter output, TextWriter error)
{
    public Option<DatabaseProvider?> ProviderOption { get; } = new("--provider")
    {
        Description = "Database provider: Sqlite or Postgres (overrides Guidelink:Database:Provider).",
        Recursive = true,
    };

    public Option<string?> ConnectionOption { get; } = new("--connection")
    {
        Description = "Database connection string (overrides Guidelink:Database:ConnectionString).",
        Recursive = true,
    };

    public TextWriter Output => output;
    public TextWriter Error => error;

    /// <summary>Runs <paramref name="work"/> in one DI scope, as the server runs one request.</summary>
    public async Task<int> InScopeAsync(ParseResult parse, Func<IServiceProvider, Task<int>> work)
    {
        await using var services = BuildServices(parse);
        await using var scope = services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    private ServiceProvider BuildServices(ParseResult parse)
    {
        var overrides = new Dictionary<string, string?>();
        if (parse.GetValue(ProviderOption) is { } provider) overrides["Guidelink:Database:Provider"] = provider.ToString();
        if (parse.GetValue(ConnectionOption) is { Length: > 0 } connection) overrides["Guidelink:Database:ConnectionString"] = connection;
        var effective = new ConfigurationBuilder().AddConfiguration(configuration).AddInMemoryCollection(overrides).Build();
        return new ServiceCollection().AddGuidelinkCore(effective).BuildServiceProvider(validateScopes: true);
    }

    /// <summary>Puts the brand with <paramref name="slug"/> in scope with the CLI as the actor (brand-scoped
    /// use cases need both before they run); without a slug, the only brand there is. Reports and returns null when
    /// there is no such brand, or several and none was named.</summary>
    public async Task<Tenant?> EnterBrandAsync(IServiceProvider scope, string? slug, CancellationToken ct)
    {
        if (slug is null)
        {
            var slugs = await scope.GetRequiredService<GuidelinkDb>().Tenants.AsNoTracking().Select(t => t.Slug).Take(2).ToListAsync(ct);
            if (slugs.Count != 1)
            {
                await error.WriteLineAsync(slugs.Count == 0 ? "error: there is no brand yet." : "error: there are several brands: name one with --tenant.");
                return null;
            }
            slug = slugs[0];
        }
        var normalized = slug.Trim().ToLowerInvariant();
        var tenant = await scope.GetRequiredService<GuidelinkDb>().Tenants.AsNoTracking().FirstOrDefaultAsync(t => t.Slug == normalized, ct);
        if (tenant is null)
        {
            await error.WriteLineAsync($"error: no brand with slug '{normalized}'. Create it with `guidelink tenant create`.");
            return null;
        }
        scope.GetRequiredService<TenantContext>().Set(tenant.Id);
        scope.GetRequiredService<ActorContext>().Current = Actor.System(tenant.Id, "cli");
        return tenant;
    }

    /// <summary>Reports a refused use case; field errors are named by the option that carries the field.</summary>
    public async Task<int> FailAsync<T>(Outcome<T> outcome)
    {
        if (outcome.Kind == OutcomeKind.Invalid)
        {
            await error.WriteLineAsync("error: invalid input");
            foreach (var (field, messages) in outcome.Errors)
                foreach (var message in messages)
                    await error.WriteLineAsync($"  {OptionNameOf(field)}: {message}");
        }
        else
        {
            await error.WriteLineAsync($"error: {outcome.Detail}");
        }
        return GuidelinkCli.Failed;
    }

    /// <summary>"employeeNo" → "--employee-no": use cases name fields as the API does; options are kebab-case.</summary>
    internal static string OptionNameOf(string field) =>
        "--" + string.Concat(field.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "-" : "") + char.ToLowerInvariant(c) : c.ToString()));
}
