namespace Guidelink.Browser.Tests;

public sealed class ConsoleTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task HqAdmin_SignsIn_EditsAStore_AndSeesItInTheOrgTree()
    {
        var page = await browser.SignedInPageAsync("demo-admin");
        (await page.TextContentAsync("h1"))!.ShouldContain("你好");
        await BrowserFixture.ScreenshotAsync(page, "01-overview");

        await page.ClickAsync("nav >> text=组织架构");
        await page.WaitForURLAsync("**/console/org");
        await page.Locator("details.store", new() { HasText = "杭州西湖店" }).Locator("a.edit").ClickAsync();
        await page.WaitForSelectorAsync("#name");
        (await page.InputValueAsync("#name")).ShouldBe("杭州西湖店");

        await page.FillAsync("#name", "杭州西湖湖滨旗舰店");
        await page.FillAsync("#mallName", "湖滨银泰 in77");
        await page.ClickAsync("form.form button[type=submit]");
        await page.WaitForURLAsync("**/console/org?saved=*");

        (await page.TextContentAsync(".alert.ok"))!.ShouldContain("杭州西湖湖滨旗舰店");
        var store = page.Locator("details.store", new() { HasText = "杭州西湖湖滨旗舰店" });
        (await store.CountAsync()).ShouldBe(1);
        (await store.Locator(".tag").First.TextContentAsync())!.ShouldContain("湖滨银泰 in77");
        await BrowserFixture.ScreenshotAsync(page, "02-org-after-edit");
    }

    [Fact]
    public async Task StoreForm_ShowsAMessageNextToEachWrongField_AndSavesNothing()
    {
        var page = await browser.SignedInPageAsync("demo-admin");
        await page.GotoAsync("/console/org/stores/new");
        await page.FillAsync("#code", "SH-XH"); // taken
        await page.FillAsync("#name", "");
        await page.ClickAsync("form.form button[type=submit]");
        await page.WaitForSelectorAsync(".validation-message");

        var messages = await page.Locator(".validation-message").AllTextContentsAsync();
        messages.ShouldContain(m => m.StartsWith("RegionId", StringComparison.Ordinal));
        messages.ShouldContain(m => m.StartsWith("Name", StringComparison.Ordinal));
        (await page.InputValueAsync("#code")).ShouldBe("SH-XH"); // what was typed is kept
        await BrowserFixture.ScreenshotAsync(page, "03-store-validation");

        await page.GotoAsync("/console/org");
        (await page.Locator("details.store").CountAsync()).ShouldBe(6);
    }

    [Fact]
    public async Task WrongPassword_ShowsAnError_AndStaysOnTheLoginPage()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/console");
        await page.WaitForURLAsync("**/console/login**");
        await page.FillAsync("#login", "demo-admin");
        await page.FillAsync("#password", "not-the-password");
        await page.ClickAsync("button[type=submit]");
        (await page.TextContentAsync(".alert.error"))!.ShouldContain("账号或密码错误");
        page.Url.ShouldContain("/console/login");
    }

    [Fact]
    public async Task LanguageSwitch_ShowsTheConsoleInEnglish()
    {
        var page = await browser.SignedInPageAsync("demo-admin");
        await page.ClickAsync("a.lang");
        await page.WaitForSelectorAsync("nav >> text=Organization");
        (await page.TextContentAsync("h1"))!.ShouldContain("Hello");
        await BrowserFixture.ScreenshotAsync(page, "04-overview-en");
        await page.ClickAsync("a.lang");
        await page.WaitForSelectorAsync("nav >> text=组织架构");
    }

    [Fact]
    public async Task AGuide_SeesOnlyTheirStore_AndNoEditOrAuditLinks()
    {
        var page = await browser.SignedInPageAsync("demo-guide");
        await page.GotoAsync("/console/org");
        (await page.Locator("details.store").CountAsync()).ShouldBe(1);
        (await page.Locator("a.edit").CountAsync()).ShouldBe(0);
        (await page.Locator("nav >> text=审计日志").CountAsync()).ShouldBe(0);
        await page.GotoAsync("/console/audit");
        page.Url.ShouldContain("/console/denied");
    }

    [Fact]
    public async Task OnAPhone_TheOrgTreeFitsTheScreenWidth()
    {
        var page = await browser.SignedInPageAsync("demo-east", width: 390, height: 844);
        await page.GotoAsync("/console/org");
        var overflow = await page.EvaluateAsync<bool>("document.documentElement.scrollWidth > window.innerWidth + 1");
        overflow.ShouldBeFalse();
        (await page.Locator("details.store").CountAsync()).ShouldBe(3);
        await BrowserFixture.ScreenshotAsync(page, "05-org-phone");
    }
}
