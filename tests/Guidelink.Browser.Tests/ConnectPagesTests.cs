using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Guidelink.Browser.Tests;

/// <summary>Connect pages: the anonymous landing page of a referral code, customers and their "why",
/// partners, and the guide's own QR code.</summary>
public sealed partial class ConnectPagesTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Visitor_LeavesAPhoneOnAGuidesLink_AndTheAdminSeesTheGuideAsOwnerWithTheWhy()
    {
        var (code, guideName) = await GuideCodeAsync();

        var visitor = await browser.NewPageAsync(390, 844);
        await visitor.GotoAsync($"/r/{code}");
        (await visitor.TextContentAsync("#owner-card"))!.ShouldContain(guideName);
        (await visitor.TextContentAsync("#consent-text"))!.ShouldContain("我同意");
        (await visitor.EvaluateAsync<bool>("document.documentElement.scrollWidth > window.innerWidth + 1")).ShouldBeFalse();
        await BrowserFixture.ScreenshotAsync(visitor, "connect-01-landing-phone");

        await visitor.FillAsync("#phone", "139 1234 0001");
        await visitor.CheckAsync("#consent");
        await visitor.ClickAsync("form.form button[type=submit]");
        await visitor.WaitForSelectorAsync("#thanks");
        (await visitor.TextContentAsync("#thanks"))!.ShouldContain("谢谢");
        await BrowserFixture.ScreenshotAsync(visitor, "connect-02-landing-thanks");

        var admin = await browser.SignedInPageAsync("demo-admin");
        await admin.ClickAsync("nav >> text=顾客");
        await admin.WaitForURLAsync("**/console/customers");
        await admin.FillAsync("#search", "13912340001");
        await admin.ClickAsync("form.filters button[type=submit]");
        await admin.WaitForURLAsync("**/console/customers?search=*");
        var rows = admin.Locator("table.customers tbody tr");
        (await rows.CountAsync()).ShouldBe(1);
        (await rows.First.TextContentAsync())!.ShouldContain(guideName);

        await rows.First.Locator("a").First.ClickAsync();
        await admin.WaitForURLAsync("**/console/customers/*");
        // An enhanced (in-page) navigation changes the URL before the new page is in, and the list has an #owner filter
        // too: wait for the detail page's own #why before reading #owner.
        await admin.WaitForSelectorAsync("#why");
        (await admin.TextContentAsync("#owner"))!.ShouldContain(guideName);
        var why = (await admin.TextContentAsync("#why"))!;
        why.ShouldContain(guideName);
        why.ShouldContain("首次接触");
        (await admin.TextContentAsync("table.history"))!.ShouldContain("分享链接 / 链接");
        (await admin.TextContentAsync("#phone"))!.ShouldContain("13912340001"); // HQ admin holds customers.pii
        await BrowserFixture.ScreenshotAsync(admin, "connect-03-customer-detail");
    }

    [Fact]
    public async Task Landing_WithoutConsentOrWithABadPhone_ShowsAMessage_AndRecordsNothing()
    {
        var (code, _) = await GuideCodeAsync();
        using var api = await browser.Server.ClientAsAsync("demo-admin");
        const string phone = "13912340002";

        var visitor = await browser.NewPageAsync(390, 844);
        await visitor.GotoAsync($"/r/{code}");
        await visitor.FillAsync("#phone", phone);
        await visitor.ClickAsync("form.form button[type=submit]");
        await visitor.WaitForSelectorAsync(".validation-message");
        (await visitor.TextContentAsync(".validation-message"))!.ShouldContain("同意");
        (await visitor.Locator("#thanks").CountAsync()).ShouldBe(0);
        (await visitor.InputValueAsync("#phone")).ShouldBe(phone);
        (await CustomersAsync(api, phone)).ShouldBe(0);

        await visitor.FillAsync("#phone", "12345");
        await visitor.CheckAsync("#consent");
        await visitor.ClickAsync("form.form button[type=submit]");
        await visitor.WaitForSelectorAsync(".validation-message");
        (await visitor.TextContentAsync(".validation-message"))!.ShouldContain("手机号");
        (await visitor.Locator("#thanks").CountAsync()).ShouldBe(0);
        (await CustomersAsync(api, phone)).ShouldBe(0);

        // The same search finds the customer once consent is given: the zero above is not a blind spot.
        await visitor.FillAsync("#phone", phone);
        await visitor.CheckAsync("#consent");
        await visitor.ClickAsync("form.form button[type=submit]");
        await visitor.WaitForSelectorAsync("#thanks");
        (await CustomersAsync(api, phone)).ShouldBe(1);
    }

    [Fact]
    public async Task UnknownCode_ShowsAFriendlyNotFoundPage()
    {
        var visitor = await browser.NewPageAsync(390, 844);
        var response = await visitor.GotoAsync("/r/nosuchcode");
        response!.Status.ShouldBe(404);
        (await visitor.TextContentAsync("h1"))!.ShouldContain("链接无效");
        (await visitor.Locator("#phone").CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task StoreManager_RegistersAPartner_ApprovesIt_AndTheListShowsActive()
    {
        var name = $"测试合伙人 {Guid.NewGuid().ToString("N")[..6]}";
        var page = await browser.SignedInPageAsync("demo-store");
        await page.ClickAsync("nav >> text=合伙人");
        await page.WaitForURLAsync("**/console/partners");
        await page.SelectOptionAsync("#kind", "ShareAmbassador");
        await page.FillAsync("#name", name);
        await page.FillAsync("#organization", "绿城小区业主群");
        await page.FillAsync("#phone", "13712340003");
        await page.ClickAsync("form#register button[type=submit]");
        await page.WaitForURLAsync("**/console/partners?saved=*");

        var row = page.Locator("table.partners tbody tr", new() { HasText = name });
        (await row.CountAsync()).ShouldBe(1);
        (await row.Locator(".badge").TextContentAsync())!.ShouldBe("待审核");
        (await row.TextContentAsync())!.ShouldContain("137****0003");

        await row.Locator("button.approve").ClickAsync();
        await page.WaitForURLAsync("**/console/partners?changed=*");
        row = page.Locator("table.partners tbody tr", new() { HasText = name });
        (await row.Locator(".badge").TextContentAsync())!.ShouldBe("生效");
        (await row.Locator("button.approve").CountAsync()).ShouldBe(0);
        (await row.Locator("button.freeze").CountAsync()).ShouldBe(1);
        await BrowserFixture.ScreenshotAsync(page, "connect-06-partners");

        // The partner's code page: a poster with the partner's name.
        await row.Locator("a", new() { HasText = "推广码" }).ClickAsync();
        await page.WaitForURLAsync("**/console/my-code?partnerId=*");
        (await page.TextContentAsync("#person"))!.ShouldBe(name);
        var code = (await page.TextContentAsync("#code"))!.Trim();

        // The manager gives the partner a login; the partner sees their own code and nothing of the org.
        var login = $"partner-{Guid.NewGuid().ToString("N")[..8]}";
        await page.GotoAsync("/console/partners");
        await page.SelectOptionAsync("#loginPartnerId", new Microsoft.Playwright.SelectOptionValue { Label = $"{name} · 分享大使" });
        await page.FillAsync("#loginName", login);
        await page.FillAsync("#loginPassword", Core.Features.Demo.SeedDemoBrand.Password);
        await page.ClickAsync("form#partner-login button[type=submit]");
        await page.WaitForURLAsync("**/console/partners?saved=*");

        var partner = await browser.SignedInPageAsync(login, 390, 844);
        (await partner.TextContentAsync("header .who"))!.ShouldContain("合伙人");
        (await partner.Locator("nav >> text=组织架构").CountAsync()).ShouldBe(0);
        (await partner.Locator("nav >> text=粉丝来源").CountAsync()).ShouldBe(0);
        await partner.ClickAsync("nav >> text=我的二维码");
        await partner.WaitForURLAsync("**/console/my-code");
        (await partner.TextContentAsync("#code"))!.Trim().ShouldBe(code);
        await BrowserFixture.ScreenshotAsync(partner, "connect-07-partner-my-code-phone");
        await partner.GotoAsync("/console/partners");
        (await partner.Locator("table.partners").CountAsync()).ShouldBe(0);
        (await partner.Locator("form#register").CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task MyCode_ShowsTheQrImage_AndItsPngEndpointAnswersWithAPng()
    {
        var (code, guideName) = await GuideCodeAsync();
        var page = await browser.SignedInPageAsync("demo-guide", 390, 844);
        await page.ClickAsync("nav >> text=我的二维码");
        await page.WaitForURLAsync("**/console/my-code");
        (await page.TextContentAsync("#code"))!.ShouldBe(code);
        (await page.TextContentAsync("#person"))!.ShouldBe(guideName);
        (await page.InputValueAsync("#share-url")).ShouldBe($"{browser.Server.BaseAddress.ToString().TrimEnd('/')}/r/{code}");

        var src = (await page.GetAttributeAsync("img#qr", "src"))!;
        src.ShouldBe($"/api/codes/{code}/qr.png");
        await page.WaitForFunctionAsync("() => document.querySelector('img#qr').complete");
        (await page.EvaluateAsync<int>("document.querySelector('img#qr').naturalWidth")).ShouldBeGreaterThan(100);
        await BrowserFixture.ScreenshotAsync(page, "connect-04-my-code-phone");

        using var anonymous = browser.Server.Client();
        using var png = await anonymous.GetAsync(src, Ct);
        png.StatusCode.ShouldBe(HttpStatusCode.OK);
        png.Content.Headers.ContentType!.MediaType.ShouldBe("image/png");
        var bytes = await png.Content.ReadAsByteArrayAsync(Ct);
        bytes[..8].ShouldBe(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });

        using var svg = await anonymous.GetAsync($"/api/codes/{code}/qr.svg", Ct);
        svg.StatusCode.ShouldBe(HttpStatusCode.OK);
        svg.Content.Headers.ContentType!.MediaType.ShouldBe("image/svg+xml");
        (await svg.Content.ReadAsStringAsync(Ct)).ShouldContain("<svg");

        using var unknown = await anonymous.GetAsync("/api/codes/nosuchcode/qr.png", Ct);
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AGuide_SeesOnlyMaskedPhones_WhileTheAdminSeesTheNumber()
    {
        var (code, _) = await GuideCodeAsync();
        using var api = await browser.Server.ClientAsAsync("demo-admin");
        using var touch = await api.PostAsJsonAsync("/api/touches", new { code, phone = "13912340005", channel = "ShareLink", method = "QrScan" }, Ct);
        touch.StatusCode.ShouldBe(HttpStatusCode.OK);

        var guide = await browser.SignedInPageAsync("demo-guide", 390, 844);
        await guide.GotoAsync("/console/customers");
        var phones = await guide.Locator("table.customers td.phone").AllTextContentsAsync();
        phones.Count.ShouldBeGreaterThan(0);
        phones.ShouldAllBe(p => MaskedPhone().IsMatch(p.Trim()));
        phones.Select(p => p.Trim()).ShouldContain("139****0005");
        (await guide.ContentAsync()).ShouldNotContain("13912340005");
        (await guide.Locator("#owner").CountAsync()).ShouldBe(0); // a guide has no owner or pool filter
        (await guide.EvaluateAsync<bool>("document.documentElement.scrollWidth > window.innerWidth + 1")).ShouldBeFalse();
        await BrowserFixture.ScreenshotAsync(guide, "connect-05-customers-guide-phone");

        var admin = await browser.SignedInPageAsync("demo-admin");
        await admin.GotoAsync("/console/customers?search=13912340005");
        (await admin.TextContentAsync("table.customers td.phone"))!.ShouldContain("13912340005");
    }

    /// <summary>The demo guide's referral code and name, from the API.</summary>
    private async Task<(string Code, string Name)> GuideCodeAsync()
    {
        using var guide = await browser.Server.ClientAsAsync("demo-guide");
        var code = await guide.GetFromJsonAsync<JsonElement>("/api/codes", Ct);
        var me = await guide.GetFromJsonAsync<JsonElement>("/api/auth/me", Ct);
        return (code.GetProperty("code").GetString()!, me.GetProperty("name").GetString()!);
    }

    private static async Task<int> CustomersAsync(HttpClient api, string search)
    {
        var list = await api.GetFromJsonAsync<JsonElement>($"/api/customers?search={Uri.EscapeDataString(search)}", Ct);
        return list.GetArrayLength();
    }

    [GeneratedRegex(@"^1\d{2}\*{4}\d{4}$")]
    private static partial Regex MaskedPhone();
}
