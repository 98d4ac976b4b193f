using System.Net.Http.Json;
using System.Text.Json;
using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Commission;
using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Features.Payouts;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Persistence;
using Guidelink.Testing;
using Guidelink.Testing.WeChat;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Guidelink.Browser.Tests;

/// <summary>Payout pages in a browser: a partner withdraws on a phone; Finance approves in the queue.</summary>
public sealed class PayoutPagesTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task APartnerWithdrawsOnAPhone_AndFinanceApprovesTheOneAboveTheThreshold()
    {
        using var admin = await browser.Server.ClientAsAsync("demo-admin");
        var stores = JsonDocument.Parse(await admin.GetStringAsync("/api/org/stores", Ct)).RootElement;
        var store = stores.EnumerateArray().First(s => s.GetProperty("code").GetString() == "SH-XH").GetProperty("id").GetString();
        var created = await admin.PostAsJsonAsync("/api/partners", new { kind = "PartTimeGuide", name = "提现设计师", homeStoreId = store }, Ct);
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetString();
        (await admin.PostAsJsonAsync($"/api/partners/{id}/approve", new { }, Ct)).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync($"/api/partners/{id}/login", new { login = "payout-page", password = Core.Features.Demo.SeedDemoBrand.Password }, Ct)).EnsureSuccessStatusCode();
        await using (var scope = browser.Server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GuidelinkDb>();
            var tenant = await db.Tenants.Select(t => t.Id).FirstAsync(Ct);
            scope.ServiceProvider.GetRequiredService<TenantContext>().Set(tenant);
            scope.ServiceProvider.GetRequiredService<ActorContext>().Current = Actor.System(tenant, "test");
            var now = DateTimeOffset.UtcNow;
            await new LedgerBook(db).PostAsync($"test-credit:{id}", "Settlement", null, now, now,
                [new Movement(Earner.Brand, LedgerBucket.CommissionExpense, -100_000, "test"), new Movement($"PartTimeGuide:{id}", LedgerBucket.Available, 100_000, "test")], Ct);
            await db.SaveChangesAsync(Ct);
        }

        var phone = await browser.SignedInPageAsync("payout-page", 390, 844);
        await phone.GotoAsync("/console/my-money");
        (await phone.TextContentAsync("#available"))!.ShouldContain("1,000.00");
        await phone.FillAsync("#amount", "20");
        await phone.ClickAsync("#withdraw button[type=submit]");
        await phone.WaitForSelectorAsync("#saved");
        await phone.FillAsync("#amount", "600");
        await phone.ClickAsync("#withdraw button[type=submit]");
        // The page before this submission already shows #saved: wait (retrying) for the new balance, not for #saved.
        await Assertions.Expect(phone.Locator("#available")).ToContainTextAsync("380.00");
        await phone.WaitForSelectorAsync("#saved");
        (await phone.TextContentAsync("#history"))!.ShouldContain("待审批");
        (await phone.EvaluateAsync<bool>("document.documentElement.scrollWidth > window.innerWidth + 1")).ShouldBeFalse();
        await BrowserFixture.ScreenshotAsync(phone, "payouts-01-my-money-phone");

        var finance = await browser.SignedInPageAsync("demo-finance");
        await finance.GotoAsync("/console/payouts?status=AwaitingApproval");
        var row = finance.Locator("#queue tbody tr");
        (await row.CountAsync()).ShouldBe(1);
        await row.First.Locator("button.primary").ClickAsync();
        await finance.WaitForSelectorAsync("#done");
        await finance.GotoAsync("/console/payouts");
        var body = (await finance.TextContentAsync("#queue tbody"))!;
        body.ShouldNotContain("待审批");
        body.ShouldContain("已批准");
        await BrowserFixture.ScreenshotAsync(finance, "payouts-02-queue");
    }

    /// <summary>A partner of a brand paid through (a fake) WeChat Pay: binds WeChat through the snsapi_base redirect and lands
    /// back on the page, enters the real name (never shown back), confirms receipt through the WeChat JS bridge with the
    /// bill's package, and reads a failed transfer's reason in Chinese with its code.</summary>
    [Fact]
    public async Task APartnerBindsWeChat_ConfirmsReceiptThroughTheBridge_AndReadsAFailReason()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using var fake = await FakeWeChatPayServer.StartAsync();
        await using var server = await GuidelinkInstance.StartAsync(database, extraArgs:
            [$"--Guidelink:WeChat:OAuthBase={fake.BaseAddress}", $"--Guidelink:WeChat:ApiBase={fake.BaseAddress}"]);
        using var admin = await server.ClientAsAsync("demo-admin");
        (await admin.PutAsJsonAsync("/api/payouts/settings", new
        {
            provider = "WeChatPayTransfer",
            feeBasisPoints = 100,
            autoApproveBelow = 1_000_000m,
            dualApprovalFrom = 1_000_000m,
            merchant = new
            {
                mchId = fake.MchId,
                appId = fake.AppId,
                appSecret = fake.AppSecret,
                certificateSerialNo = fake.MerchantSerialNo,
                privateKeyPem = fake.MerchantPrivateKeyPem,
                apiV3Key = fake.ApiV3Key,
                platformKeyId = fake.PlatformKeyId,
                platformPublicKeyPem = fake.PlatformPublicKeyPem,
                notifyUrl = new Uri(server.BaseAddress, "/hooks/wechatpay/qimu").ToString(),
                apiBase = fake.BaseAddress.ToString(),
            },
        }, Ct)).EnsureSuccessStatusCode();
        var id = await PartnerWithBalanceAsync(server, admin, "wx-page", 500_000);

        var phone = await browser.SignedInPageAsync(server, "wx-page", 390, 844);
        // The fake WeChat JS bridge, there before the page's own script runs; calls survive the reload that follows :ok.
        await phone.AddInitScriptAsync("""
            window.WeixinJSBridge = { invoke: function (name, args, cb) {
              var calls = JSON.parse(sessionStorage.getItem('wxCalls') || '[]');
              calls.push({ name: name, mchId: args.mchId, appId: args.appId, package: args.package });
              sessionStorage.setItem('wxCalls', JSON.stringify(calls));
              cb({ err_msg: 'requestMerchantTransfer:ok' });
            } };
            """);
        await phone.GotoAsync("/console/my-money");
        (await phone.TextContentAsync("#wechat-status"))!.ShouldContain("未绑定");
        (await phone.TextContentAsync("#real-name-status"))!.ShouldContain("未填写");

        // Refused without a binding, and the page says what to do.
        await phone.FillAsync("#amount", "100");
        await phone.ClickAsync("#withdraw button[type=submit]");
        (await (await phone.WaitForSelectorAsync("#problem"))!.TextContentAsync())!.ShouldContain("请先绑定微信");

        // Bind: our page → WeChat's authorize (the fake, as the user "o-wx-page") → our callback → back on the page.
        fake.AuthorizeAs = "o-wx-page";
        await phone.ClickAsync("#bind-wechat button");
        await phone.WaitForSelectorAsync("#bound-ok");
        phone.Url.ShouldContain("/console/my-money");
        (await phone.TextContentAsync("#wechat-status"))!.ShouldContain("已绑定");
        (await phone.ContentAsync()).ShouldNotContain("o-wx-page");

        // From ¥2,000 net the real name is required; entered once, shown only as set.
        await phone.FillAsync("#amount", "3000");
        await phone.ClickAsync("#withdraw button[type=submit]");
        (await (await phone.WaitForSelectorAsync("#problem"))!.TextContentAsync())!.ShouldContain("真实姓名");
        await phone.FillAsync("#real-name", "张晓明");
        await phone.ClickAsync("#real-name-form button[type=submit]");
        await phone.WaitForSelectorAsync("#name-saved");
        (await phone.TextContentAsync("#real-name-status"))!.ShouldContain("已填写");
        (await phone.ContentAsync()).ShouldNotContain("张晓明");

        // A withdrawal is sent to WeChat (WAIT_USER_CONFIRM with a package); 确认收款 hands the package to the bridge.
        await phone.FillAsync("#amount", "100");
        await phone.ClickAsync("#withdraw button[type=submit]");
        await phone.WaitForSelectorAsync("#saved");
        await SendAsync(server);
        var bill = fake.Bills.ShouldHaveSingleItem();
        bill.State.ShouldBe("WAIT_USER_CONFIRM");
        await phone.GotoAsync("/console/my-money");
        var confirm = phone.Locator("button.confirm");
        (await confirm.TextContentAsync())!.ShouldContain("确认收款");
        (await phone.EvaluateAsync<bool>("document.documentElement.scrollWidth > window.innerWidth + 1")).ShouldBeFalse();
        await BrowserFixture.ScreenshotAsync(phone, "payouts-03-confirm-phone");
        // The bridge answers :ok and the page reloads to show the new state.
        await phone.RunAndWaitForRequestAsync(() => confirm.ClickAsync(), r => r.IsNavigationRequest);
        await phone.WaitForLoadStateAsync();
        var calls = JsonDocument.Parse(await phone.EvaluateAsync<string>("sessionStorage.getItem('wxCalls')")).RootElement;
        var call = calls.EnumerateArray().ShouldHaveSingleItem();
        call.GetProperty("name").GetString().ShouldBe("requestMerchantTransfer");
        call.GetProperty("mchId").GetString().ShouldBe(fake.MchId);
        call.GetProperty("appId").GetString().ShouldBe(fake.AppId);
        call.GetProperty("package").GetString().ShouldBe(bill.PackageInfo);

        // WeChat fails the transfer: the reason reads in Chinese, with its code.
        fake.Fail(bill.OutBillNo, "ACCOUNT_FROZEN");
        (await fake.NotifyAsync(bill.OutBillNo, ct: Ct)).ShouldBe(System.Net.HttpStatusCode.NoContent);
        await phone.GotoAsync("/console/my-money");
        var reason = (await phone.TextContentAsync(".fail-reason"))!;
        reason.ShouldContain("收款用户的微信支付账户已被冻结");
        reason.ShouldContain("ACCOUNT_FROZEN");
        var finance = await browser.SignedInPageAsync(server, "demo-finance");
        await finance.GotoAsync("/console/payouts?status=Fail");
        (await finance.TextContentAsync("#queue tbody"))!.ShouldContain("收款用户的微信支付账户已被冻结 (ACCOUNT_FROZEN)");
        id.ShouldNotBeNullOrEmpty();
    }

    /// <summary>HQ edits the payout settings on a phone: a bad value is named by its field; secrets are write-only (the page
    /// says only set or not set, and an empty input keeps the saved value); no secret is ever in the HTML.</summary>
    [Fact]
    public async Task HqSavesPayoutSettings_ErrorsNameTheField_AndSecretsNeverComeBack()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using var server = await GuidelinkInstance.StartAsync(database);
        const string appSecret = "app-secret-0123456789abcdef";
        const string apiV3Key = "v3key-abcdefghijklmnopqrstuvwxyz";
        const string privateKey = "-----BEGIN PRIVATE KEY-----\nMIIEsecretprivatekeybody\n-----END PRIVATE KEY-----";
        const string publicKey = "-----BEGIN PUBLIC KEY-----\nMIIBplatformpublickeybody\n-----END PUBLIC KEY-----";
        var page = await browser.SignedInPageAsync(server, "demo-admin", 390, 844);
        (await page.Locator("a[href='/console/payout-settings']").CountAsync()).ShouldBe(1);
        await page.GotoAsync("/console/payout-settings");
        (await page.TextContentAsync("#appSecret-state"))!.ShouldContain("未设置");

        await page.FillAsync("#minimum", "0");
        await page.ClickAsync("#payout-settings button[type=submit]");
        (await (await page.WaitForSelectorAsync("#error-minimum"))!.TextContentAsync())!.ShouldContain("最低提现金额");

        await page.FillAsync("#minimum", "10");
        await page.FillAsync("#feeBasisPoints", "1.5");
        await page.SelectOptionAsync("#provider", "WeChatPayTransfer");
        await page.FillAsync("#mchId", "1900000109");
        await page.FillAsync("#appId", "wx8888888888888888");
        await page.FillAsync("#certificateSerialNo", "5157F09EFDC096DE15EBE81A47057A72");
        await page.FillAsync("#platformKeyId", "PUB_KEY_ID_0114232134912410000");
        await page.FillAsync("#appSecret", appSecret);
        await page.FillAsync("#apiV3Key", apiV3Key);
        await page.FillAsync("#privateKeyPem", privateKey);
        await page.FillAsync("#platformPublicKeyPem", publicKey);
        await page.ClickAsync("#payout-settings button[type=submit]");
        await page.WaitForSelectorAsync("#saved");
        foreach (var state in new[] { "#appSecret-state", "#apiV3Key-state", "#privateKeyPem-state", "#platformPublicKeyPem-state" })
            (await page.TextContentAsync(state))!.ShouldContain("已设置");
        (await page.InputValueAsync("#mchId")).ShouldBe("1900000109");
        (await page.InputValueAsync("#feeBasisPoints")).ShouldBe("1.5");
        (await page.EvaluateAsync<bool>("document.documentElement.scrollWidth > window.innerWidth + 1")).ShouldBeFalse();
        await BrowserFixture.ScreenshotAsync(page, "payouts-04-settings-phone");

        // Saved again with every secret input empty: the secrets are kept, the policy changes.
        await page.FillAsync("#dailyCap", "5000");
        // The page before this save already shows #saved (same URL, ?saved=1): wait for the answer to the GET the save
        // redirects to (sent only once the save is stored), so the checks below never read the first save's state.
        // Waiting for the URL instead raced: the old page already had it, and the wait for its load state could miss
        // the new document's (CI timed out there once).
        await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#payout-settings button[type=submit]"),
            r => r.Request.Method == "GET" && r.Request.IsNavigationRequest && r.Request.RedirectedFrom is { Method: "POST" });
        await page.WaitForSelectorAsync("#saved");
        var html = await page.ContentAsync();
        foreach (var secret in new[] { appSecret, apiV3Key, "secretprivatekeybody", "platformpublickeybody" }) html.ShouldNotContain(secret);

        using var admin = await server.ClientAsAsync("demo-admin");
        var settings = JsonDocument.Parse(await admin.GetStringAsync("/api/payouts/settings", Ct)).RootElement;
        settings.GetProperty("provider").GetString().ShouldBe("WeChatPayTransfer");
        settings.GetProperty("minimumFen").GetInt64().ShouldBe(1_000);
        settings.GetProperty("feeBasisPoints").GetInt32().ShouldBe(150);
        settings.GetProperty("dailyCapFen").GetInt64().ShouldBe(500_000);
        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GuidelinkDb>();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(await db.Tenants.Select(t => t.Id).FirstAsync(Ct));
        var (_, merchant) = await scope.ServiceProvider.GetRequiredService<LoadPayoutMerchant.Handler>().HandleAsync(Ct);
        (merchant!.AppSecret, merchant.ApiV3Key, merchant.PrivateKeyPem.Contains("secretprivatekeybody", StringComparison.Ordinal)).ShouldBe((appSecret, apiV3Key, true));
        (await db.AuditEntries.CountAsync(a => a.Action == "PayoutSettings.Saved", Ct)).ShouldBe(2);
    }

    private static async Task<string> PartnerWithBalanceAsync(GuidelinkInstance server, HttpClient admin, string login, long fen)
    {
        var stores = JsonDocument.Parse(await admin.GetStringAsync("/api/org/stores", Ct)).RootElement;
        var store = stores.EnumerateArray().First(s => s.GetProperty("code").GetString() == "SH-XH").GetProperty("id").GetString();
        var created = await admin.PostAsJsonAsync("/api/partners", new { kind = "PartTimeGuide", name = "微信收款设计师", homeStoreId = store }, Ct);
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetString()!;
        (await admin.PostAsJsonAsync($"/api/partners/{id}/approve", new { }, Ct)).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync($"/api/partners/{id}/login", new { login, password = Core.Features.Demo.SeedDemoBrand.Password }, Ct)).EnsureSuccessStatusCode();
        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GuidelinkDb>();
        var tenant = await db.Tenants.Select(t => t.Id).FirstAsync(Ct);
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(tenant);
        scope.ServiceProvider.GetRequiredService<ActorContext>().Current = Actor.System(tenant, "test");
        var now = DateTimeOffset.UtcNow;
        await new LedgerBook(db).PostAsync($"test-credit:{id}", "Settlement", null, now, now,
            [new Movement(Earner.Brand, LedgerBucket.CommissionExpense, -fen, "test"), new Movement($"PartTimeGuide:{id}", LedgerBucket.Available, fen, "test")], Ct);
        await db.SaveChangesAsync(Ct);
        return id;
    }

    /// <summary>Runs the payout sender once, as the scheduled job would.</summary>
    private static async Task SendAsync(GuidelinkInstance server)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GuidelinkDb>();
        var tenant = await db.Tenants.Select(t => t.Id).FirstAsync(Ct);
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(tenant);
        scope.ServiceProvider.GetRequiredService<ActorContext>().Current = Actor.System(tenant, "payout-sender");
        await scope.ServiceProvider.GetRequiredService<SendPayouts.Handler>().HandleAsync("test-sender", Ct);
    }
}
