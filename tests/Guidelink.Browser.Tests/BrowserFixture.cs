using Guidelink.Core.Persistence;
using Guidelink.Testing;
using Microsoft.Playwright;

namespace Guidelink.Browser.Tests;

/// <summary>One server (demo brand, SQLite) and one headless Debian Chromium per test class; each test gets
/// a fresh browser context, so cookies never leak between tests. Playwright never downloads a browser here.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private TestDatabase? _database;
    private IPlaywright? _playwright;

    public GuidelinkInstance Server { get; private set; } = default!;
    public IBrowser Browser { get; private set; } = default!;

    public static string ChromiumPath => Environment.GetEnvironmentVariable("GUIDELINK_CHROMIUM") ?? "/usr/bin/chromium";

    /// <summary>Screenshots are kept as test artifacts under artifacts/screenshots at the repository root.</summary>
    public static string ScreenshotFolder
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Guidelink.slnx"))) dir = dir.Parent;
            var folder = Path.Combine(dir?.FullName ?? Path.GetTempPath(), "artifacts", "screenshots");
            Directory.CreateDirectory(folder);
            return folder;
        }
    }

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            var reason = $"Chromium not found at {ChromiumPath} (apt-get install chromium).";
            if (PostgresServer.IsCi) throw new InvalidOperationException(reason);
            Assert.Skip(reason);
        }
        Assertions.SetDefaultExpectTimeout(Wait);
        _database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        Server = await GuidelinkInstance.StartAsync(_database);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public Task<IPage> NewPageAsync(int width = 1280, int height = 900) => NewPageAsync(Server, width, height);

    /// <summary>A page on another server than the fixture's (a test that needs its own, e.g. wired to a fake WeChat Pay).</summary>
    public async Task<IPage> NewPageAsync(GuidelinkInstance server, int width = 1280, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "zh-CN",
        });
        // Waits are upper bounds, not part of a check: Playwright's 30 s default was exceeded on a loaded 2-core machine
        // (the sign-in's redirect to /console had not finished loading; CI runs 5 test projects and a browser at once).
        context.SetDefaultTimeout(Wait);
        context.SetDefaultNavigationTimeout(Wait);
        return await context.NewPageAsync();
    }

    /// <summary>How long any wait of a page (or a retrying Expect) may take before it fails.</summary>
    public const float Wait = 120_000;

    public Task<IPage> SignedInPageAsync(string login, int width = 1280, int height = 900) => SignedInPageAsync(Server, login, width, height);

    public async Task<IPage> SignedInPageAsync(GuidelinkInstance server, string login, int width = 1280, int height = 900)
    {
        var page = await NewPageAsync(server, width, height);
        await page.GotoAsync("/console/login");
        await page.FillAsync("#login", login);
        await page.FillAsync("#password", Core.Features.Demo.SeedDemoBrand.Password);
        await page.ClickAsync("button[type=submit]");
        // Signed in once the console's document has arrived: waiting for its full "load" (every subresource) once hung past
        // 120 s in a CI run while the rest of the suite loaded the machine; each test's next navigation waits for its own page.
        await page.WaitForURLAsync("**/console", new PageWaitForURLOptions { WaitUntil = WaitUntilState.DOMContentLoaded });
        return page;
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = true });

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        if (Server is not null) await Server.DisposeAsync();
        if (_database is not null) await _database.DisposeAsync();
    }
}
