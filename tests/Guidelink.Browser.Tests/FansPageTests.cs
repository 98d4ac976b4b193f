using System.Net;
using System.Net.Http.Json;

namespace Guidelink.Browser.Tests;

public sealed class FansPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task TheFanSourcesPage_ChartsNewFansPerDayByChannel()
    {
        using var admin = await browser.Server.ClientAsAsync("demo-admin");
        var guides = await admin.GetFromJsonAsync<List<StaffItem>>("/api/org/staff?role=Guide", TestContext.Current.CancellationToken);
        var today = DateTimeOffset.UtcNow;
        foreach (var (phone, channel, method, daysAgo) in new[]
                 {
                     ("13811110001", "Staff", "Manual", 0), ("13811110002", "Event", "EventCheckIn", 0), ("13811110003", "Livestream", "Link", 1),
                 })
        {
            var response = await admin.PostAsJsonAsync("/api/touches",
                new { phone, channel, method, staffId = guides![0].Id, occurredAt = today.AddDays(-daysAgo) }, TestContext.Current.CancellationToken);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var page = await browser.SignedInPageAsync("demo-admin");
        await page.ClickAsync("nav >> text=粉丝来源");
        await page.WaitForSelectorAsync("svg.fans-chart");
        (await page.Locator("svg.fans-chart rect").CountAsync()).ShouldBe(3); // one bar segment per (day, channel) with fans
        var titles = await page.Locator("svg.fans-chart rect title").AllTextContentsAsync();
        titles.ShouldContain(t => t.EndsWith(": 1", StringComparison.Ordinal));
        await BrowserFixture.ScreenshotAsync(page, "06-fans");
    }

    private sealed record StaffItem(Guid Id, string Name);
}
