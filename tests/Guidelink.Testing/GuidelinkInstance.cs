using System.Net.Http.Headers;
using System.Net.Http.Json;
using Guidelink.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Testing;

/// <summary>A real Guidelink server (Kestrel on a free loopback port) over a <see cref="TestDatabase"/>.
/// Several instances may share one database, as behind a load balancer.</summary>
public sealed class GuidelinkInstance : IAsyncDisposable
{
    private GuidelinkInstance(WebApplication app, Uri baseAddress)
    {
        App = app;
        BaseAddress = baseAddress;
    }

    public WebApplication App { get; }
    public Uri BaseAddress { get; }
    public IServiceProvider Services => App.Services;

    /// <summary>Starts an instance. seedDemo seeds the demo brand (on either provider, in tests); jobs runs
    /// the background job runner; services adds or replaces registrations (a fake clock, test jobs).</summary>
    public static async Task<GuidelinkInstance> StartAsync(TestDatabase database, bool seedDemo = true, bool jobs = false,
        Action<IServiceCollection>? services = null, IEnumerable<string>? extraArgs = null, bool initialize = true)
    {
        string[] args =
        [
            .. database.Args,
            "--urls=http://127.0.0.1:0",
            "--environment=Development",
            $"--Guidelink:Demo:Seed={seedDemo}",
            "--Guidelink:Demo:Activity=false", // tests make their own customers
            $"--Guidelink:Jobs:Enabled={jobs}",
            "--Guidelink:Jobs:PollInterval=00:00:00.200",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.AspNetCore=Warning",
            .. extraArgs ?? [],
        ];
        var app = GuidelinkWeb.Build(args, builder => services?.Invoke(builder.Services));
        if (initialize) await GuidelinkWeb.InitializeAsync(app, CancellationToken.None);
        if (initialize && seedDemo && database.Provider != Core.Persistence.DatabaseProvider.Sqlite)
        {
            // Outside tests the demo is seeded only in the embedded mode; tests want the same brand on PostgreSQL.
            await using var scope = app.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<Core.Features.Demo.SeedDemoBrand.Handler>().HandleAsync(CancellationToken.None);
        }
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new GuidelinkInstance(app, new Uri(address));
    }

    public HttpClient Client() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>An HTTP client signed in as <paramref name="login"/> with a bearer token.</summary>
    public async Task<HttpClient> ClientAsAsync(string login, string password = Core.Features.Demo.SeedDemoBrand.Password)
    {
        var client = Client();
        var response = await client.PostAsJsonAsync("/api/auth/token", new { login, password });
        response.EnsureSuccessStatusCode();
        var token = await response.Content.ReadFromJsonAsync<TokenResponse>();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token!.AccessToken);
        return client;
    }

    private sealed record TokenResponse(string AccessToken);

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
