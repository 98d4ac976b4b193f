using System.Globalization;
using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using Guidelink.Core;
using Guidelink.Core.Features.Demo;
using Guidelink.Core.Features.Jobs;
using Guidelink.Core.Persistence;
using Guidelink.Web.Api;
using Guidelink.Web.Auth;
using Guidelink.Web.Components;
using Guidelink.WeChat;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Localization;
using Scalar.AspNetCore;

namespace Guidelink.Web;

/// <summary>The composition root. Program.cs calls it; tests call it too, to run real server instances on
/// loopback with their own configuration.</summary>
public static class GuidelinkWeb
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(GuidelinkWeb).Assembly.GetName().Name,
            // Settings files sit beside the binaries; the working directory is where data/ lives.
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
            builder.WebHost.UseUrls(DefaultUrl);
        // WeChat Pay transfers (brands whose payout provider is WeChatPayTransfer) and snsapi_base binding. Registered
        // before the host's hook so a test's doubles (an IPayoutProvider of the same Kind, an IWeChatIdentity, a clock)
        // come later and win; its options bind lazily, so configuration the hook adds is still read.
        builder.Services.AddGuidelinkWeChat(builder.Configuration);
        configure?.Invoke(builder);

        builder.Logging.Configure(o => o.ActivityTrackingOptions = Microsoft.Extensions.Logging.ActivityTrackingOptions.TraceId | Microsoft.Extensions.Logging.ActivityTrackingOptions.SpanId);
        if (builder.Configuration.GetValue<bool>("Guidelink:Logging:Json"))
            builder.Logging.AddJsonConsole(o => o.IncludeScopes = true);
        else
            builder.Logging.AddSimpleConsole(o => { o.IncludeScopes = true; o.SingleLine = true; });

        builder.Services.AddGuidelinkCore(builder.Configuration);
        builder.Services.AddHostedService(sp => sp.GetRequiredService<JobRunner>());

        builder.Services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
        });
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = c => c.ProblemDetails.Extensions["requestId"] = c.HttpContext.TraceIdentifier);
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "Guidelink API";
            doc.Info.Description = "Brand-scoped API: sign in for a bearer token (POST /api/auth/token) or send an API key in X-Api-Key.";
            return Task.CompletedTask;
        }));
        builder.Services.AddGuidelinkAuth();
        builder.Services.AddRazorComponents();
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddHealthChecks();
        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.GlobalLimiter = LandingLimiter(builder.Configuration.GetValue("Guidelink:Landing:PostsPerMinutePerIp", 20));
        });

        var app = builder.Build();

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<RequestLogging>();
        app.UseRequestLocalization(LocalizationOptions());
        app.MapStaticAssets();
        app.UseAuthentication();
        app.UseMiddleware<ActorMiddleware>();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.UseRateLimiter();

        app.MapGet("/healthz", () => TypedResults.Text("ok")).ExcludeFromDescription();
        app.MapGet("/readyz", ReadyAsync).ExcludeFromDescription();
        app.MapOpenApi();
        app.MapScalarApiReference("/docs", o => o.WithTitle("Guidelink API"));
        app.MapGet("/", () => TypedResults.Redirect("/console")).ExcludeFromDescription();
        app.MapGet("/culture/{name}", SetCulture).ExcludeFromDescription();

        app.MapGroup("/api/auth").MapAuthEndpoints();
        app.MapGroup("/api/org").MapOrgEndpoints();
        app.MapGroup("/api/audit").MapAuditEndpoints();
        app.MapConnectEndpoints();
        app.MapActivateEndpoints();
        app.MapStatementEndpoints();
        app.MapAnalyticsEndpoints();
        app.MapPayoutEndpoints();
        app.MapCodeImageEndpoints();
        app.MapConsoleSession();
        app.MapRazorComponents<App>();
        return app;
    }

    /// <summary>Migrates (embedded SQLite always; PostgreSQL when Guidelink:Database:MigrateAtStart is true)
    /// and, in the embedded mode only, seeds the demo brand and prints its logins.</summary>
    public static async Task InitializeAsync(WebApplication app, CancellationToken ct)
    {
        var database = app.Services.GetRequiredService<DatabaseOptions>();
        var config = app.Configuration;
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GuidelinkDb>();
        if (database.IsEmbedded || config.GetValue<bool>("Guidelink:Database:MigrateAtStart"))
            await DatabaseSetup.MigrateAsync(db, ct);

        if (database.IsEmbedded && config.GetValue("Guidelink:Demo:Seed", true))
        {
            var seeded = await scope.ServiceProvider.GetRequiredService<SeedDemoBrand.Handler>().HandleAsync(ct);
            if (config.GetValue("Guidelink:Demo:Activity", true))
            {
                await using var activityScope = app.Services.CreateAsyncScope();
                await activityScope.ServiceProvider.GetRequiredService<SeedDemoActivity.Handler>().HandleAsync(new Core.Shared.TenantId(seeded.TenantId), ct);
            }
            var urls = string.Join(", ", app.Urls.Count > 0 ? app.Urls : [config["urls"] ?? DefaultUrl]);
            Console.WriteLine();
            Console.WriteLine($"Guidelink is starting on {urls} — console: /console, API reference: /docs");
            Console.WriteLine($"Demo brand 栖木家居 {(seeded.Created ? "seeded" : "already present")}. Demo logins (password: {SeedDemoBrand.Password}):");
            foreach (var login in seeded.Logins) Console.WriteLine($"  {login.Login,-14} {login.Who}");
            Console.WriteLine();
        }
    }

    private static async Task<IResult> ReadyAsync(GuidelinkDb db, CancellationToken ct) =>
        await db.Database.CanConnectAsync(ct)
            ? TypedResults.Text("ready")
            : TypedResults.Problem("The database is not reachable.", statusCode: StatusCodes.Status503ServiceUnavailable);

    /// <summary>The public landing page is the one anonymous write: limit form posts to /r/{code} per client IP,
    /// so a script cannot flood a brand with fake customers. Per instance (a damper, not an accounting rule).</summary>
    private static PartitionedRateLimiter<HttpContext> LandingLimiter(int postsPerMinute) =>
        PartitionedRateLimiter.Create<HttpContext, string>(context =>
            HttpMethods.IsPost(context.Request.Method) && context.Request.Path.StartsWithSegments("/r")
                ? RateLimitPartition.GetFixedWindowLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = postsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 })
                : RateLimitPartition.GetNoLimiter("other"));

    public static readonly CultureInfo[] Cultures = [new("zh-CN"), new("en")];

    private static RequestLocalizationOptions LocalizationOptions()
    {
        var options = new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture("zh-CN"),
            SupportedCultures = Cultures,
            SupportedUICultures = Cultures,
        };
        // zh-CN first: only an explicit choice (the cookie) or ?culture= switches language, not the browser's header.
        options.RequestCultureProviders = [new QueryStringRequestCultureProvider(), new CookieRequestCultureProvider()];
        return options;
    }

    private static RedirectHttpResult SetCulture(string name, string? returnUrl, HttpContext context)
    {
        var culture = Cultures.FirstOrDefault(c => c.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) ?? Cultures[0];
        context.Response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName,
            CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
            new CookieOptions { Expires = DateTimeOffset.UtcNow.AddYears(1), IsEssential = true, SameSite = SameSiteMode.Lax, HttpOnly = true });
        var target = returnUrl is { Length: > 0 } && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal) ? returnUrl : "/console";
        return TypedResults.LocalRedirect(target);
    }
}
