using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Guidelink.Core.Features.Catalog;
using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Guidelink.Browser.Tests;

/// <summary>A partner opens their statement on a phone: balances, their orders with masked customers, the running
/// balance; downloads a CSV and then sees that download's chain head listed.</summary>
public sealed class StatementPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<JsonElement> PostAsync(HttpClient client, string url, object body, HttpStatusCode expected)
    {
        var response = await client.PostAsJsonAsync(url, body, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(expected, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task APartner_SeesTheirStatementOnAPhone_DownloadsIt_AndSeesTheHeadListed()
    {
        using var admin = await browser.Server.ClientAsAsync("demo-admin");
        await using (var scope = browser.Server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GuidelinkDb>();
            var tenant = await db.Tenants.Where(t => t.Slug == Core.Features.Demo.SeedDemoBrand.Slug).Select(t => t.Id).FirstAsync(Ct);
            scope.ServiceProvider.GetRequiredService<TenantContext>().Set(tenant);
            scope.ServiceProvider.GetRequiredService<Core.Features.Access.ActorContext>().Current = Core.Features.Access.Actor.System(tenant, "test");
            if (!await db.Categories.AnyAsync(c => c.Code == "sofa", Ct)) db.Categories.Add(Category.Create(tenant, "sofa", "沙发"));
            await db.SaveChangesAsync(Ct);
        }
        await PostAsync(admin, "/api/commission-rules", new { name = "设计师 10%", appliesTo = new[] { "PartTimeGuide" }, basisPoints = 1000, effectiveFrom = "2026-01-01T00:00:00Z" }, HttpStatusCode.Created);
        var stores = await admin.GetFromJsonAsync<JsonElement>("/api/org/stores", Ct);
        var store = stores.EnumerateArray().Single(s => s.GetProperty("code").GetString() == "SH-XH").GetProperty("id").GetString()!;
        var partner = (await PostAsync(admin, "/api/partners", new { kind = "PartTimeGuide", name = "设计师王工", homeStoreId = store }, HttpStatusCode.Created)).GetProperty("id").GetString();
        await PostAsync(admin, $"/api/partners/{partner}/approve", new { }, HttpStatusCode.OK);
        await PostAsync(admin, $"/api/partners/{partner}/login", new { login = "wang-partner", password = Core.Features.Demo.SeedDemoBrand.Password }, HttpStatusCode.Created);
        var code = (await admin.GetFromJsonAsync<JsonElement>($"/api/codes?partnerId={partner}", Ct)).GetProperty("code").GetString();
        foreach (var (no, phone, paid, daysAgo) in new[] { ("WB-1", "13900139001", 2000.00m, 3), ("WB-2", "13900139002", 500.00m, 1) })
        {
            await PostAsync(admin, "/api/orders", new
            {
                channel = "MiniMall",
                externalNo = no,
                storeId = store,
                customer = new { phone },
                referralCode = code,
                lines = new object[] { new { sku = "SOFA-01", name = "云朵沙发", category = "sofa", quantity = 1, unitPrice = paid } },
                paid,
                placedAt = DateTimeOffset.UtcNow.AddDays(-daysAgo).ToString("O"),
            }, HttpStatusCode.Created);
        }

        var page = await browser.SignedInPageAsync("wang-partner", 390, 844);
        await page.ClickAsync("nav >> text=对账单");
        await page.WaitForURLAsync("**/console/statement");
        await page.WaitForSelectorAsync("#balances");
        // The period picker: from a week ago (brand time) to the default end.
        var weekAgo = Core.Features.Commission.BrandCalendar.DayOf(DateTimeOffset.UtcNow.AddDays(-7), TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"));
        await page.FillAsync("#from", weekAgo.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        await page.ClickAsync("form.filters button[type=submit]");
        await page.WaitForURLAsync("**/console/statement?from=*");
        await page.WaitForSelectorAsync("#orders");
        (await page.TextContentAsync("#opening"))!.ShouldBe("¥0.00");
        (await page.TextContentAsync("#holder-name"))!.ShouldBe("设计师王工");
        var orderRows = page.Locator("#orders tbody tr");
        (await orderRows.CountAsync()).ShouldBe(2);
        var first = await orderRows.First.InnerTextAsync();
        first.ShouldContain("WB-1");
        first.ShouldContain("139****9001");
        first.ShouldContain("设计师 10% v1");
        first.ShouldContain("¥200.00");
        first.ShouldContain("待结算");
        (await page.Locator("body").InnerTextAsync()).ShouldNotContain("13900139001");
        (await page.TextContentAsync("[data-bucket=Pending] .closing"))!.ShouldBe("¥250.00");
        (await page.TextContentAsync("#closing"))!.ShouldBe("¥250.00");
        (await page.Locator("#entries tbody tr").CountAsync()).ShouldBe(2);
        (await page.Locator("#entries tbody tr").Last.Locator("td.running").TextContentAsync())!.ShouldBe("¥250.00");
        (await page.Locator("#no-heads").CountAsync()).ShouldBe(1);
        // Phone-first: the page itself does not scroll sideways at 390 px.
        (await page.EvaluateAsync<int>("document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(390);
        await BrowserFixture.ScreenshotAsync(page, "08-statement-phone");

        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#download-csv"));
        download.SuggestedFilename.ShouldEndWith(".csv");
        var saved = Path.Combine(Path.GetTempPath(), $"guidelink-{Guid.NewGuid():N}.csv");
        await download.SaveAsAsync(saved);
        var csv = await File.ReadAllTextAsync(saved, Ct);
        File.Delete(saved);
        csv.ShouldContain("WB-1");
        csv.ShouldContain("139****9001");

        await page.ReloadAsync();
        await page.WaitForSelectorAsync("#heads");
        var heads = page.Locator("#heads li");
        (await heads.CountAsync()).ShouldBe(1);
        var headHash = (await page.Locator("#chain-head code").TextContentAsync())!.Trim();
        headHash.Length.ShouldBe(64);
        var listed = await heads.First.InnerTextAsync();
        listed.ShouldContain("#2");
        listed.ShouldContain("CSV");
        listed.ShouldContain(headHash);
        await BrowserFixture.ScreenshotAsync(page, "09-statement-heads-phone");

        // Another partner's statement is not theirs to see.
        await page.GotoAsync($"/console/statement?holder=PartTimeGuide:{Guid.NewGuid()}");
        (await page.TextContentAsync("#problem"))!.ShouldContain("只能查看自己的对账单");
        (await page.Locator("#orders").CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task AManager_PicksAnEarner_OnTheDesktopPage()
    {
        var page = await browser.SignedInPageAsync("demo-store");
        await page.GotoAsync("/console/statement");
        await page.WaitForSelectorAsync("#holder");
        var options = await page.Locator("#holder option").AllTextContentsAsync();
        options.ShouldContain(o => o.Contains("导购", StringComparison.Ordinal));
        await page.SelectOptionAsync("#holder", new SelectOptionValue { Index = 1 });
        await page.ClickAsync("form.filters button[type=submit]");
        await page.WaitForURLAsync("**/console/statement?*holder=*");
        await page.WaitForSelectorAsync("#balances");
        (await page.Locator("#balances .bucket").CountAsync()).ShouldBe(GetStatement.EarnerBuckets.Count);
        (await page.TextContentAsync("#holder-name"))!.ShouldBe(options[1].Split(" · ")[0]);
        await BrowserFixture.ScreenshotAsync(page, "10-statement-manager");
    }
}
