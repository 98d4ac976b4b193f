using System.Net;
using System.Text;
using Guidelink.Core.Features.Commission;
using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Features.Payouts;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Guidelink.Testing;
using Guidelink.Testing.WeChat;
using Guidelink.WeChat.Pay;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static Guidelink.Web.Tests.PayoutApiTests;

namespace Guidelink.Web.Tests;

/// <summary>Payouts end to end through the real WeChat Pay provider and WeChatIdentity (wired by AddGuidelinkWeChat)
/// against the fake WeChat Pay server: OAuth binding, the bill, user confirmation, notifications (duplicate, out of
/// order, forged), failure, network faults, the real name, and reconciliation. App and fake share one fake clock.</summary>
public sealed class WeChatPayoutTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal sealed class World(TestDatabase database, FakeWeChatPayServer fake, GuidelinkInstance server, FakeTimeProvider clock,
        HttpClient admin, HttpClient finance) : IAsyncDisposable
    {
        public TestDatabase Database => database;
        public FakeWeChatPayServer Fake => fake;
        public GuidelinkInstance Server => server;
        public FakeTimeProvider Clock => clock;
        public HttpClient Admin => admin;
        public HttpClient Finance => finance;

        public async ValueTask DisposeAsync()
        {
            admin.Dispose();
            finance.Dispose();
            await server.DisposeAsync();
            await fake.DisposeAsync();
            await database.DisposeAsync();
        }
    }

    /// <summary>The app's settings that point Guidelink.WeChat at the fake (OAuth and official-account API); WeChat Pay's
    /// base is the brand's merchant setting.</summary>
    internal static string[] WeChatArgs(FakeWeChatPayServer fake) =>
    [
        $"--Guidelink:WeChat:OAuthBase={fake.BaseAddress}",
        $"--Guidelink:WeChat:ApiBase={fake.BaseAddress}",
        "--Guidelink:WeChat:PayTimeout=00:00:02",
    ];

    /// <summary>The brand's settings as HQ saves them: WeChatPayTransfer with the fake's merchant, notifications to this
    /// server's hook for the demo brand.</summary>
    internal static object Settings(FakeWeChatPayServer fake, Uri server, int feeBasisPoints = 100, int taxBasisPoints = 200) => new
    {
        provider = "WeChatPayTransfer",
        feeBasisPoints,
        taxBasisPoints,
        taxThreshold = 0m,
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
            notifyUrl = new Uri(server, "/hooks/wechatpay/qimu").ToString(),
            apiBase = fake.BaseAddress.ToString(),
        },
    };

    private static async Task<World> StartAsync(DatabaseProvider provider, int feeBasisPoints = 100, int taxBasisPoints = 200)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var database = await TestDatabase.CreateAsync(provider);
        var fake = await FakeWeChatPayServer.StartAsync(new FakeWeChatPayOptions { Clock = clock });
        var server = await GuidelinkInstance.StartAsync(database, services: s => s.AddSingleton<TimeProvider>(clock), extraArgs: WeChatArgs(fake));
        var admin = await server.ClientAsAsync("demo-admin");
        var finance = await server.ClientAsAsync("demo-finance");
        await admin.PutJsonAsync("/api/payouts/settings", Settings(fake, server.BaseAddress, feeBasisPoints, taxBasisPoints), HttpStatusCode.OK);
        return new World(database, fake, server, clock, admin, finance);
    }

    private static async Task<Partner> PayeeAsync(World w, string login, long creditFen, string openId)
    {
        var partner = await PartnerAsync(w.Server, w.Admin, login);
        await BindOpenIdAsync(w.Database, partner.Id, openId);
        await CreditAsync(w.Database, partner.Holder, creditFen);
        return partner;
    }

    private static async Task<System.Text.Json.JsonElement> MineAsync(Partner partner, string id) =>
        (await partner.Client.GetJsonAsync("/api/payouts/withdrawals")).EnumerateArray().Single(x => x.Str("id") == id);

    private static async Task<int> PostingsAsync(TestDatabase database, string key)
    {
        await using var db = database.NewContext(await TenantAsync(database));
        return await db.LedgerPostings.CountAsync(p => p.Key == key, Ct);
    }

    private static int Creates(FakeWeChatPayServer fake) =>
        fake.Requests.Count(r => r.Method == "POST" && r.Target == FakeWeChatPayServer.TransferBillsPath);

    private static async Task<HttpStatusCode> PostRawAsync(Uri server, IReadOnlyDictionary<string, string> headers, string body)
    {
        using var client = new HttpClient { BaseAddress = server };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/wechatpay/qimu") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        using var response = await client.SendAsync(request, Ct);
        return response.StatusCode;
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task BindByOAuth_Withdraw_ConfirmAndSucceed_PaysOutOnce_WhateverTheNotificationsDo(DatabaseProvider provider)
    {
        await using var w = await StartAsync(provider);
        var partner = await PartnerAsync(w.Server, w.Admin, "wx-payee-1");
        await CreditAsync(w.Database, partner.Holder, 300_000);

        // Binding: our authorize URL goes to the fake's /connect/oauth2/authorize (snsapi_base), which returns the browser
        // to our callback with a code; the callback exchanges it at the fake's /sns/oauth2/access_token with the AppSecret.
        var authorize = new Uri((await partner.Client.GetJsonAsync("/api/payouts/wechat/authorize")).Str("authorizeUrl"));
        authorize.GetLeftPart(UriPartial.Authority).ShouldBe(w.Fake.BaseAddress.GetLeftPart(UriPartial.Authority));
        authorize.Query.ShouldContain("scope=snsapi_base");
        authorize.Query.ShouldContain($"appid={w.Fake.AppId}");
        w.Fake.AuthorizeAs = "o-wx-payee-1";
        using (var browser = new HttpClient())
        {
            var bound = await (await browser.GetAsync(authorize, Ct)).JsonAsync(HttpStatusCode.OK);
            bound.GetProperty("bound").GetBoolean().ShouldBeTrue();
        }
        await using (var db = w.Database.NewContext(await TenantAsync(w.Database)))
            (await db.Partners.SingleAsync(p => p.Id == new PartnerId(Guid.Parse(partner.Id)), Ct)).WeChatOpenId.ShouldBe("o-wx-payee-1");

        // Request (auto-approved): the bill number is ours and committed before anything is sent.
        var wd = await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 1000m }, HttpStatusCode.Created);
        var (id, bill) = (wd.Str("id"), wd.Str("outBillNo"));
        var (net, fee, tax) = (wd.GetProperty("netFen").GetInt64(), wd.GetProperty("feeFen").GetInt64(), wd.GetProperty("taxFen").GetInt64());
        (fee, tax).ShouldBe((1_000L, 2_000L));
        net.ShouldBe(100_000 - 1_000 - 2_000);
        w.Fake.Bills.ShouldBeEmpty();

        (await SendAsync(w.Server, w.Database)).Sent.ShouldBe(1);
        var made = w.Fake.Bills.ShouldHaveSingleItem();
        (made.OutBillNo, made.OpenId, made.AmountFen, made.AppId, made.State).ShouldBe((bill, "o-wx-payee-1", net, w.Fake.AppId, "WAIT_USER_CONFIRM"));
        made.UserName.ShouldBeNull(); // below ¥2,000
        made.NotifyUrl.ShouldBe(new Uri(w.Server.BaseAddress, "/hooks/wechatpay/qimu").ToString());
        w.Fake.Requests.ShouldAllBe(r => r.SignatureValid);

        // The partner's page gets the package to confirm receipt with.
        var mine = await MineAsync(partner, id);
        mine.Str("status").ShouldBe("WaitUserConfirm");
        mine.Str("packageInfo").ShouldBe(made.PackageInfo);

        // A forger without the platform key claims success: refused, nothing moves.
        var claim = $$"""{"id":"EV-forged","create_time":"2026-12-01T08:00:00+08:00","resource_type":"encrypt-resource","event_type":"MCHTRANSFER.BILL.FINISHED","summary":"x","resource":{{w.Fake.EncryptResource($$"""{"mchid":"{{w.Fake.MchId}}","out_bill_no":"{{bill}}","transfer_bill_no":"{{made.TransferBillNo}}","state":"SUCCESS","transfer_amount":{{net}},"openid":"o-wx-payee-1"}""").ToJsonString()}}}""";
        var signedOther = w.Fake.Sign(claim.Replace("EV-forged", "EV-genuine", StringComparison.Ordinal)); // genuine headers of another body
        (await PostRawAsync(w.Server.BaseAddress, signedOther, claim)).ShouldBe(HttpStatusCode.BadRequest);
        (await MineAsync(partner, id)).Str("status").ShouldBe("WaitUserConfirm");
        (await BalancesAsync(w.Database, partner.Holder)).GetValueOrDefault(LedgerBucket.PaidOut).ShouldBe(0);

        // The user confirms on the phone; WeChat pays; notifications arrive twice and out of order.
        w.Fake.UserConfirms(bill);
        w.Clock.Advance(TimeSpan.FromSeconds(5));
        var transfering = w.Fake.Notification(bill);
        w.Fake.Succeed(bill);
        w.Clock.Advance(TimeSpan.FromSeconds(5));
        var success = w.Fake.Notification(bill);
        (await w.Fake.SendAsync(success, ct: Ct)).ShouldBe(HttpStatusCode.NoContent);
        (await w.Fake.SendAsync(success, ct: Ct)).ShouldBe(HttpStatusCode.NoContent);
        (await w.Fake.SendAsync(transfering, ct: Ct)).ShouldBe(HttpStatusCode.NoContent);
        (await w.Fake.NotifyAsync(bill, times: 2, ct: Ct)).ShouldBe(HttpStatusCode.NoContent);

        (await MineAsync(partner, id)).Str("status").ShouldBe("Success");
        var b = await BalancesAsync(w.Database, partner.Holder);
        b.GetValueOrDefault(LedgerBucket.PaidOut).ShouldBe(net);
        b.GetValueOrDefault(LedgerBucket.Withdrawing).ShouldBe(0);
        b.GetValueOrDefault(LedgerBucket.Available).ShouldBe(200_000);
        var brand = await BalancesAsync(w.Database, Earner.Brand);
        brand.GetValueOrDefault(LedgerBucket.FeeIncome).ShouldBe(fee);
        brand.GetValueOrDefault(LedgerBucket.TaxWithheld).ShouldBe(tax);
        (await PostingsAsync(w.Database, $"payout:{id}:Success")).ShouldBe(1);
        (await w.Finance.GetJsonAsync("/api/payouts/reconciliation")).GetArrayLength().ShouldBe(0);
        Creates(w.Fake).ShouldBe(1);
        await AssertLedgerHoldsAsync(w.Database);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task AFailedTransfer_ReturnsTheMoneyWithNoFee_AndItsReasonReadsInChineseAndEnglish(DatabaseProvider provider)
    {
        await using var w = await StartAsync(provider);
        var partner = await PayeeAsync(w, "wx-payee-2", 50_000, "o-wx-payee-2");
        var wd = await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 200m }, HttpStatusCode.Created);
        var (id, bill) = (wd.Str("id"), wd.Str("outBillNo"));
        (await SendAsync(w.Server, w.Database)).Sent.ShouldBe(1);

        w.Fake.Fail(bill, "ACCOUNT_FROZEN");
        (await w.Fake.NotifyAsync(bill, times: 2, ct: Ct)).ShouldBe(HttpStatusCode.NoContent);

        var mine = await MineAsync(partner, id);
        mine.Str("status").ShouldBe("Fail");
        mine.Str("failReason").ShouldBe("ACCOUNT_FROZEN");
        TransferFailReasons.IsKnown(mine.Str("failReason")).ShouldBeTrue();
        TransferFailReasons.Describe(mine.Str("failReason")).ShouldContain("冻结");
        TransferFailReasons.Describe(mine.Str("failReason"), english: true).ShouldContain("frozen", Case.Insensitive);
        var b = await BalancesAsync(w.Database, partner.Holder);
        b.GetValueOrDefault(LedgerBucket.Available).ShouldBe(50_000);
        b.GetValueOrDefault(LedgerBucket.Withdrawing).ShouldBe(0);
        b.GetValueOrDefault(LedgerBucket.PaidOut).ShouldBe(0);
        (await BalancesAsync(w.Database, Earner.Brand)).GetValueOrDefault(LedgerBucket.FeeIncome).ShouldBe(0);
        (await PostingsAsync(w.Database, $"payout:{id}:Fail")).ShouldBe(1);

        // The money is Available again: a new withdrawal is a new bill.
        var again = await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 200m }, HttpStatusCode.Created);
        again.Str("outBillNo").ShouldNotBe(bill);
        await AssertLedgerHoldsAsync(w.Database);
    }

    public static TheoryData<DatabaseProvider, string> Faults => new()
    {
        { DatabaseProvider.Sqlite, "ServerError" },
        { DatabaseProvider.Sqlite, "ServerErrorAfterAccept" },
        { DatabaseProvider.Sqlite, "Hang" },
        { DatabaseProvider.Sqlite, "HangAfterAccept" },
        { DatabaseProvider.Sqlite, "AcceptThenDrop" },
        { DatabaseProvider.Postgres, "AcceptThenDrop" },
        { DatabaseProvider.Postgres, "ServerError" },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task AFaultOnCreate_SendsTheSameBillAgain_OneBillAtWeChat_OnePaidOut(DatabaseProvider provider, string fault)
    {
        await using var w = await StartAsync(provider);
        var partner = await PayeeAsync(w, "wx-payee-3", 50_000, "o-wx-payee-3");
        var wd = await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 100m }, HttpStatusCode.Created);
        var (id, bill, net) = (wd.Str("id"), wd.Str("outBillNo"), wd.GetProperty("netFen").GetInt64());

        w.Fake.Enqueue(fault switch
        {
            "ServerError" => FakeFault.ServerError(),
            "ServerErrorAfterAccept" => FakeFault.ServerError(afterAccept: true),
            "Hang" => FakeFault.Hang(),
            "HangAfterAccept" => FakeFault.Hang(afterAccept: true),
            _ => FakeFault.AcceptThenDrop(),
        });
        (await SendAsync(w.Server, w.Database)).Unknown.ShouldBe(1);
        (await MineAsync(partner, id)).Str("status").ShouldBe("Approved");
        w.Fake.Bills.Count.ShouldBe(fault is "ServerError" or "Hang" ? 0 : 1);
        (await SendAsync(w.Server, w.Database)).ShouldBe(new SendPayouts.Response(0, 0, 0)); // backing off
        w.Clock.Advance(TimeSpan.FromMinutes(1));
        (await SendAsync(w.Server, w.Database)).Sent.ShouldBe(1);

        // Every create carried the same out_bill_no and amount; WeChat holds one bill.
        var creates = w.Fake.Requests.Where(r => r.Method == "POST" && r.Target == FakeWeChatPayServer.TransferBillsPath).ToList();
        creates.Count.ShouldBe(fault is "ServerError" or "Hang" ? 2 : 1); // after an accepted bill the query finds it
        creates.ShouldAllBe(r => r.Body.Contains($"\"out_bill_no\":\"{bill}\"") && r.Body.Contains($"\"transfer_amount\":{net}"));
        w.Fake.Bills.ShouldHaveSingleItem().OutBillNo.ShouldBe(bill);
        (await MineAsync(partner, id)).Str("status").ShouldBe("WaitUserConfirm");

        w.Fake.UserConfirms(bill);
        w.Fake.Succeed(bill);
        (await w.Fake.NotifyAsync(bill, times: 2, ct: Ct)).ShouldBe(HttpStatusCode.NoContent);
        (await ReconcileAsync(w.Server, w.Database)).Queried.ShouldBe(0); // nothing open any more
        (await BalancesAsync(w.Database, partner.Holder)).GetValueOrDefault(LedgerBucket.PaidOut).ShouldBe(net);
        (await PostingsAsync(w.Database, $"payout:{id}:Success")).ShouldBe(1);
        w.Fake.Bills.Count.ShouldBe(1);
        await AssertLedgerHoldsAsync(w.Database);
    }

    [Fact]
    public async Task TheNotifyUrlMustBeThisBrandsHook_AndWeChatPayIsReachedOverHttps()
    {
        await using var w = await StartAsync(DatabaseProvider.Sqlite);
        async Task<IReadOnlyList<string>> RefusedAsync(string notifyUrl, string apiBase)
        {
            var settings = System.Text.Json.JsonSerializer.SerializeToNode(Settings(w.Fake, w.Server.BaseAddress))!;
            settings["merchant"]!["notifyUrl"] = notifyUrl;
            settings["merchant"]!["apiBase"] = apiBase;
            return (await w.Admin.PutJsonAsync("/api/payouts/settings", settings, HttpStatusCode.BadRequest)).ErrorFields();
        }
        var api = w.Fake.BaseAddress.ToString();
        (await RefusedAsync("https://guidelink.example/hooks/wechatpay/another-brand", api)).ShouldBe(["merchant.notifyUrl"]);
        (await RefusedAsync("https://guidelink.example/hooks/wechatpay/qimu?x=1", api)).ShouldBe(["merchant.notifyUrl"]);
        (await RefusedAsync("http://guidelink.example/hooks/wechatpay/qimu", api)).ShouldBe(["merchant.notifyUrl"]);
        (await RefusedAsync("https://guidelink.example/hooks/wechatpay/qimu", "http://api.mch.example")).ShouldBe(["merchant.apiBase"]);
        await w.Admin.PutJsonAsync("/api/payouts/settings", Settings(w.Fake, w.Server.BaseAddress), HttpStatusCode.OK);
    }

    [Fact]
    public async Task ATransferFrom2000Yuan_CarriesTheRealName_EncryptedForWeChat()
    {
        await using var w = await StartAsync(DatabaseProvider.Sqlite, feeBasisPoints: 0, taxBasisPoints: 0);
        var partner = await PayeeAsync(w, "wx-payee-4", 500_000, "o-wx-payee-4");
        await partner.Client.PutJsonAsync("/api/payouts/real-name", new { realName = "张小凡" }, HttpStatusCode.OK);

        var small = await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 1999.99m }, HttpStatusCode.Created);
        var large = await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 2000m }, HttpStatusCode.Created);
        (await SendAsync(w.Server, w.Database)).Sent.ShouldBe(2);

        w.Fake.Bill(small.Str("outBillNo"))!.UserName.ShouldBeNull();
        var bill = w.Fake.Bill(large.Str("outBillNo"))!;
        bill.AmountFen.ShouldBe(200_000);
        bill.UserName.ShouldBe("张小凡"); // the fake decrypted it with the platform private key
        bill.RequestBody.ShouldContain("\"user_name\":");
        bill.RequestBody.ShouldNotContain("张小凡"); // never in clear on the wire
        w.Fake.Requests.Single(r => r.Body.Contains(large.Str("outBillNo"))).WechatpaySerial.ShouldBe(w.Fake.PlatformKeyId);
    }

    [Fact]
    public async Task Reconciliation_MovesABillWhoseNotificationWasLost_AndReportsOneWeChatNoLongerKnows()
    {
        await using var w = await StartAsync(DatabaseProvider.Sqlite);
        var partner = await PayeeAsync(w, "wx-payee-5", 100_000, "o-wx-payee-5");
        var paid = await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 100m }, HttpStatusCode.Created);
        var lost = await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 200m }, HttpStatusCode.Created);
        (await SendAsync(w.Server, w.Database)).Sent.ShouldBe(2);

        // One bill is paid but its notification never comes; WeChat loses the other one.
        w.Fake.UserConfirms(paid.Str("outBillNo"));
        w.Fake.Succeed(paid.Str("outBillNo"));
        w.Fake.Lose(lost.Str("outBillNo")).ShouldBeTrue();
        (await ReconcileAsync(w.Server, w.Database)).ShouldBe(new ReconcilePayouts.Response(2, 1, 1));
        (await ReconcileAsync(w.Server, w.Database)).ShouldBe(new ReconcilePayouts.Response(1, 0, 1)); // reported once

        (await MineAsync(partner, paid.Str("id"))).Str("status").ShouldBe("Success");
        (await MineAsync(partner, lost.Str("id"))).Str("status").ShouldBe("WaitUserConfirm"); // money stays put for HQ
        var report = (await w.Finance.GetJsonAsync("/api/payouts/reconciliation")).EnumerateArray().ToList();
        report.Count.ShouldBe(1);
        report[0].Str("outBillNo").ShouldBe(lost.Str("outBillNo"));
        report[0].Str("ourState").ShouldBe("WaitUserConfirm");
        report[0].Str("providerState").ShouldBe("NotFound");
        report[0].Str("source").ShouldBe("query");
        await AssertLedgerHoldsAsync(w.Database);
    }
}
