using System.Net.Http.Json;
using Guidelink.Core.Features.Demo;
using Guidelink.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Browser.Tests;

/// <summary>The Activate console pages over the demo brand's seeded money (rules, ~200 orders, settled and refunded):
/// the rules page's preview and versioned save, the orders list and detail, and what a guide may see.</summary>
public sealed class OrdersAndRulesPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The fixture starts without demo activity (other classes make their own); these pages need the demo's
    /// orders, seeded once by the same use case the first start runs (idempotent, so each test may ask).</summary>
    private async Task SeedDemoMoneyAsync()
    {
        await using var scope = browser.Server.Services.CreateAsyncScope();
        var tenant = await scope.ServiceProvider.GetRequiredService<GuidelinkDb>().Tenants.Where(t => t.Slug == SeedDemoBrand.Slug).Select(t => t.Id).FirstAsync(Ct);
        await scope.ServiceProvider.GetRequiredService<SeedDemoActivity.Handler>().HandleAsync(tenant, Ct);
    }

    [Fact]
    public async Task RulesPage_PreviewShowsTheDifferencePerEarner_AndSavingMakesANewVersion()
    {
        await SeedDemoMoneyAsync();
        var page = await browser.SignedInPageAsync("demo-admin");
        await page.ClickAsync("nav >> text=佣金规则");
        await page.WaitForSelectorAsync("article.rule");
        var partTime = page.Locator("article.rule", new() { HasText = "兼职导购佣金" });
        (await partTime.Locator(".version").TextContentAsync())!.ShouldBe("v2");
        (await partTime.Locator(".rate").TextContentAsync())!.ShouldBe("5.00%");
        await BrowserFixture.ScreenshotAsync(page, "20-rules");

        await partTime.Locator("a.edit").ClickAsync();
        await page.WaitForSelectorAsync("#rule-form h2:has-text('编辑规则')");
        (await page.InputValueAsync("#rate")).ShouldBe("5");
        await page.FillAsync("#rate", "8");
        await page.ClickAsync("#preview");
        await page.WaitForSelectorAsync("#preview-result");
        // Part-time guides earn more under 8% than they did under 4–5%: the total and their rows go up.
        (await page.TextContentAsync("#total-difference"))!.ShouldStartWith("+¥");
        var rows = await page.Locator("#earners tr.earner", new() { HasText = "兼职导购" }).AllTextContentsAsync();
        rows.ShouldNotBeEmpty();
        rows.ShouldAllBe(r => r.Contains("+¥", StringComparison.Ordinal));
        (await page.InputValueAsync("#rate")).ShouldBe("8"); // the draft is kept for saving
        await BrowserFixture.ScreenshotAsync(page, "21-rules-preview");

        // The preview wrote nothing: still v2.
        await using (var scope = browser.Server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GuidelinkDb>();
            (await db.CommissionRules.IgnoreQueryFilters().CountAsync(r => r.Name == "兼职导购佣金", Ct)).ShouldBe(2);
        }

        await page.ClickAsync("#save");
        await page.WaitForSelectorAsync("#saved");
        (await page.TextContentAsync("#saved"))!.ShouldContain("兼职导购佣金 v3");
        partTime = page.Locator("article.rule", new() { HasText = "兼职导购佣金" });
        (await partTime.Locator(".version").TextContentAsync())!.ShouldBe("v3");
        (await partTime.Locator(".rate").TextContentAsync())!.ShouldBe("8.00%");
        await partTime.Locator("details.versions summary").ClickAsync();
        (await partTime.Locator("tr.version-row").CountAsync()).ShouldBe(3);
    }

    [Fact]
    public async Task RulesForm_NamesEachWrongField_AndSavesNothing()
    {
        await SeedDemoMoneyAsync();
        var page = await browser.SignedInPageAsync("demo-admin", width: 390, height: 844);
        await page.GotoAsync("/console/rules");
        var before = await page.Locator("article.rule").CountAsync();
        await page.FillAsync("#name", "");
        await page.FillAsync("#rate", "5.255");
        await page.FillAsync("#tiers", "50000:6");
        await page.FillAsync("#splitRegion", "2");
        await page.FillAsync("#splitStore", "3");
        await page.ClickAsync("#save");
        await page.WaitForSelectorAsync(".validation-message");
        var messages = await page.Locator(".validation-message").AllTextContentsAsync();
        messages.ShouldContain(m => m.StartsWith("Name", StringComparison.Ordinal));
        messages.ShouldContain(m => m.StartsWith("Rate", StringComparison.Ordinal));
        messages.ShouldContain(m => m.StartsWith("Tiers", StringComparison.Ordinal));
        await BrowserFixture.ScreenshotAsync(page, "22-rules-validation-phone");

        // With the typos fixed, the rule's own check (the store's rate above the region's) is named too.
        await page.FillAsync("#name", "错误的分润");
        await page.FillAsync("#rate", "1");
        await page.FillAsync("#tiers", "");
        await page.ClickAsync("#save");
        await page.WaitForSelectorAsync(".validation-message:has-text('SplitStore')");

        await page.GotoAsync("/console/rules");
        (await page.Locator("article.rule").CountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task OrdersList_FiltersAndPages_AndTheDetailShowsTheCreditAndEveryCommissionLine()
    {
        await SeedDemoMoneyAsync();
        var page = await browser.SignedInPageAsync("demo-admin");
        await page.ClickAsync("nav >> text=订单");
        // Links are enhanced navigation: the address changes before the new page is patched in, so wait for the page.
        await page.WaitForSelectorAsync("tr[data-order]");
        (await page.Locator("tr[data-order]").CountAsync()).ShouldBe(30);
        await page.ClickAsync("#next");
        await page.WaitForSelectorAsync("#prev");
        (await page.Locator("tr[data-order]").CountAsync()).ShouldBeGreaterThan(0);

        await page.GotoAsync("/console/orders");
        await page.SelectOptionAsync("#status", "Refunded");
        await page.ClickAsync("form.filters button[type=submit]");
        await page.WaitForSelectorAsync("form.filters a.button"); // "Clear" shows once the filtered page is in
        page.Url.ShouldContain("status=Refunded");
        var refunded = await page.Locator("tr[data-order] .status").AllTextContentsAsync();
        refunded.ShouldNotBeEmpty();
        refunded.ShouldAllBe(s => s == "已退款");

        await page.GotoAsync("/console/orders?status=Settled");
        await BrowserFixture.ScreenshotAsync(page, "23-orders");
        var withCommission = page.Locator("tr[data-order]").Filter(new() { HasNotText = "¥0.00" }).Filter(new() { HasText = "兼职导购" }).First;
        var number = (await withCommission.Locator("td a").First.TextContentAsync())!;
        await withCommission.Locator("td a").First.ClickAsync();
        await page.WaitForSelectorAsync("#credit");
        (await page.TextContentAsync("h1"))!.ShouldContain(number);
        var credit = (await page.TextContentAsync("#credit"))!;
        credit.ShouldContain("下单时，顾客归属于");
        credit.ShouldContain("不会改变");
        (await page.Locator("#lines tbody tr").CountAsync()).ShouldBeGreaterThan(0);
        var lines = page.Locator("#commission tr.commission-line.Sale");
        (await lines.CountAsync()).ShouldBeGreaterThan(0);
        var first = (await lines.First.TextContentAsync())!;
        first.ShouldMatch(@"v\d");                 // the rule and its version
        first.ShouldContain("可提现");              // settled: Available
        first.ShouldContain("实付");                // the explanation sentence
        await BrowserFixture.ScreenshotAsync(page, "24-order-detail");
    }

    [Fact]
    public async Task AGuide_SeesOnlyOrdersCreditedToThem_OnAPhone()
    {
        await SeedDemoMoneyAsync();
        using var admin = await browser.Server.ClientAsAsync("demo-admin");
        var guide = (await admin.GetFromJsonAsync<List<StaffItem>>("/api/org/staff?role=Guide", Ct))!.Single(s => s.EmployeeNo == "G001");
        var theirs = (await admin.GetFromJsonAsync<List<OrderItem>>($"/api/orders?creditId={guide.Id}&take=500", Ct))!;
        var all = (await admin.GetFromJsonAsync<List<OrderItem>>("/api/orders?take=500", Ct))!;
        theirs.Count.ShouldBeGreaterThan(0);
        var someoneElses = all.First(o => o.CreditId is not null && o.CreditId != guide.Id);

        var page = await browser.SignedInPageAsync("demo-guide", width: 390, height: 844);
        await page.GotoAsync("/console/orders");
        var rows = page.Locator("tr[data-order]");
        (await rows.CountAsync()).ShouldBe(Math.Min(theirs.Count, 30));
        var shown = await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.order)");
        shown.ShouldBeSubsetOf(theirs.Select(o => o.Id.ToString()));
        (await page.Locator("#owner").CountAsync()).ShouldBe(0); // no "credited to" filter: it is always them
        (await page.TextContentAsync("table.orders thead"))!.ShouldContain("我的佣金");
        await BrowserFixture.ScreenshotAsync(page, "25-orders-guide-phone");

        await page.GotoAsync($"/console/orders/{theirs[0].Id}");
        await page.WaitForSelectorAsync("#credit");
        (await page.TextContentAsync("#credit"))!.ShouldContain(guide.Name);
        await BrowserFixture.ScreenshotAsync(page, "26-order-detail-guide-phone");
        (await page.EvaluateAsync<int>("document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(390 + 1);

        await page.GotoAsync($"/console/orders/{someoneElses.Id}");
        await page.WaitForSelectorAsync("#not-found");
    }

    [Fact]
    public async Task DemoPartner_SeesTheirCreditedOrdersAndCommission()
    {
        await SeedDemoMoneyAsync();
        var page = await browser.SignedInPageAsync(SeedDemoBrand.PartnerLogin, width: 390, height: 844);
        await page.ClickAsync("nav >> text=订单");
        await page.WaitForSelectorAsync("tr[data-order]");
        var owners = await page.Locator("tr[data-order] td.owner").AllTextContentsAsync();
        owners.ShouldNotBeEmpty();
        owners.Select(o => o.Trim()).Distinct().Count().ShouldBe(1); // one earner: themselves
        var commission = await page.Locator("tr[data-order] td.commission").AllTextContentsAsync();
        commission.ShouldContain(c => !c.Contains("¥0.00", StringComparison.Ordinal));
        (await page.Locator("nav >> text=佣金规则").CountAsync()).ShouldBe(0);
    }

    private sealed record StaffItem(Guid Id, string EmployeeNo, string Name);

    private sealed record OrderItem(Guid Id, Guid? CreditId);
}
