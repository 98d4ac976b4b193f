using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Guidelink.Core.Features.Commission;
using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Features.Payouts;
using Guidelink.Core.Persistence;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Guidelink.Web.Tests.PayoutApiTests;

namespace Guidelink.Web.Tests;

/// <summary>Transfers through a fake WeChat Pay: exactly once across timeouts, crashes, duplicate and out-of-order
/// notifications and two senders; failures and cancellations return the money; secrets never leave.</summary>
public sealed class PayoutTransferTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<GuidelinkInstance> StartAsync(TestDatabase database, FakePayoutProvider fake, bool seedDemo = true,
        Action<IServiceCollection>? more = null, IEnumerable<string>? args = null) =>
        GuidelinkInstance.StartAsync(database, seedDemo: seedDemo, services: s =>
        {
            s.AddSingleton<IPayoutProvider>(fake);
            s.AddSingleton<IWeChatIdentity, FakeWeChatIdentity>();
            more?.Invoke(s);
        }, extraArgs: args);

    private static async Task UseWeChatAsync(HttpClient admin, int feeBasisPoints = 100) =>
        await admin.PutJsonAsync("/api/payouts/settings", new { provider = "WeChatPayTransfer", feeBasisPoints, autoApproveBelow = 100_000m, dualApprovalFrom = 200_000m, merchant = Merchant }, HttpStatusCode.OK);

    private static async Task<HttpStatusCode> NotifyAsync(HttpClient client, string bill, string state, string signature = "good", string? fail = null)
    {
        using var content = new StringContent(System.Text.Json.JsonSerializer.Serialize(FakePayoutProvider.Notification(bill, state, fail)), Encoding.UTF8, "application/json");
        content.Headers.Add("Wechatpay-Signature", signature);
        content.Headers.Add("Wechatpay-Serial", "PUB_KEY_ID_0114232134912410000");
        return (await client.PostAsync("/hooks/wechatpay/qimu", content, Ct)).StatusCode;
    }

    /// <summary>Lets a waiting bill be tried now, as if its back-off had passed.</summary>
    private static async Task DueNowAsync(TestDatabase database)
    {
        await using var db = database.NewContext(await TenantAsync(database));
        var past = DateTimeOffset.UtcNow.AddMinutes(-1);
        await db.Payouts.Where(p => p.Status == PayoutStatus.Approved).ExecuteUpdateAsync(s => s.SetProperty(p => p.NextAttemptAt, past), Ct);
    }

    private static async Task<int> PostingsAsync(TestDatabase database, string key)
    {
        await using var db = database.NewContext(await TenantAsync(database));
        return await db.LedgerPostings.CountAsync(p => p.Key == key, Ct);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task AnUnknownOutcome_SendsTheSameBillAgain_AndOneSuccessPaysOutOnce_WhateverTheNotificationsDo(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var fake = new FakePayoutProvider();
        await using var server = await StartAsync(database, fake);
        using var admin = await server.ClientAsAsync("demo-admin");
        using var finance = await server.ClientAsAsync("demo-finance");
        using var anonymous = server.Client();
        await UseWeChatAsync(admin);
        var partner = await PartnerAsync(server, admin, "payee-w1");
        await BindOpenIdAsync(database, partner.Id);
        await CreditAsync(database, partner.Holder, 100_000);

        var w = await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 100m }, HttpStatusCode.Created);
        var (id, bill) = (w.Str("id"), w.Str("outBillNo"));
        w.GetProperty("netFen").GetInt64().ShouldBe(9_900);

        // 1: a timeout before WeChat got it. 2: a 502 after WeChat made the bill. 3: the query finds the bill.
        fake.Plans.Enqueue(new(FakePayoutProvider.Next.UnknownBeforeReceipt));
        (await SendAsync(server, database)).Unknown.ShouldBe(1);
        (await SendAsync(server, database)).Unknown.ShouldBe(0); // backing off: not due yet
        await DueNowAsync(database);
        fake.Plans.Enqueue(new(FakePayoutProvider.Next.UnknownAfterReceipt));
        (await SendAsync(server, database)).Unknown.ShouldBe(1);
        await DueNowAsync(database);
        (await SendAsync(server, database)).Sent.ShouldBe(1);
        fake.Sends.Count.ShouldBe(2); // the third attempt only asked
        fake.Sends.ShouldAllBe(s => s.OutBillNo == bill && s.AmountFen == 9_900 && s.OpenId == "o-test");
        fake.Bills.Count.ShouldBe(1);
        (await partner.Client.GetJsonAsync("/api/payouts/withdrawals"))[0].Str("status").ShouldBe("Accepted");
        fake.LastMerchant!.AppSecret.ShouldBe("APPSECRET-very-secret-0001"); // the provider gets the decrypted merchant

        // A forged notification changes nothing; Success twice pays once; late and contradicting ones never move money.
        (await NotifyAsync(anonymous, bill, "SUCCESS", signature: "forged")).ShouldBe(HttpStatusCode.BadRequest);
        (await BalancesAsync(database, partner.Holder)).GetValueOrDefault(LedgerBucket.PaidOut).ShouldBe(0);
        (await NotifyAsync(anonymous, bill, "SUCCESS")).ShouldBe(HttpStatusCode.NoContent);
        (await NotifyAsync(anonymous, bill, "SUCCESS")).ShouldBe(HttpStatusCode.NoContent);
        (await NotifyAsync(anonymous, bill, "PROCESSING")).ShouldBe(HttpStatusCode.NoContent);
        (await NotifyAsync(anonymous, bill, "FAIL", fail: "ACCOUNT_FROZEN")).ShouldBe(HttpStatusCode.NoContent);
        (await NotifyAsync(anonymous, bill, "FAIL", fail: "ACCOUNT_FROZEN")).ShouldBe(HttpStatusCode.NoContent);

        var b = await BalancesAsync(database, partner.Holder);
        b.GetValueOrDefault(LedgerBucket.PaidOut).ShouldBe(9_900);
        b.GetValueOrDefault(LedgerBucket.Withdrawing).ShouldBe(0);
        b.GetValueOrDefault(LedgerBucket.Available).ShouldBe(90_000);
        (await BalancesAsync(database, Earner.Brand)).GetValueOrDefault(LedgerBucket.FeeIncome).ShouldBe(100);
        (await PostingsAsync(database, $"payout:{id}:Success")).ShouldBe(1);
        (await PostingsAsync(database, $"payout:{id}:Fail")).ShouldBe(0);
        var report = (await finance.GetJsonAsync("/api/payouts/reconciliation")).EnumerateArray().ToList();
        report.Count.ShouldBe(1); // the repeated contradiction is reported once
        report[0].Str("ourState").ShouldBe("Success");
        report[0].Str("providerState").ShouldBe("Fail");
        report[0].Str("source").ShouldBe("notification");
        await AssertLedgerHoldsAsync(database);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    public async Task ARefusedTransferFails_ACancelledOneReturns_BothWithNoFee_AndReconciliationReportsALostBill(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var fake = new FakePayoutProvider();
        await using var server = await StartAsync(database, fake);
        using var admin = await server.ClientAsAsync("demo-admin");
        using var finance = await server.ClientAsAsync("demo-finance");
        await UseWeChatAsync(admin);
        var partner = await PartnerAsync(server, admin, "payee-w2");
        await BindOpenIdAsync(database, partner.Id);
        await CreditAsync(database, partner.Holder, 100_000);

        var refused = await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 50m }, HttpStatusCode.Created);
        fake.Plans.Enqueue(new(FakePayoutProvider.Next.Reject, Code: "NOT_ENOUGH"));
        (await SendAsync(server, database)).Failed.ShouldBe(1);
        var mine = (await partner.Client.GetJsonAsync("/api/payouts/withdrawals")).EnumerateArray().Single(x => x.Str("id") == refused.Str("id"));
        mine.Str("status").ShouldBe("Fail");
        mine.Str("failReason").ShouldBe("NOT_ENOUGH");
        (await BalancesAsync(database, partner.Holder)).GetValueOrDefault(LedgerBucket.Available).ShouldBe(100_000);

        // Waiting for the partner's confirmation: the page gets the package; then WeChat cancels it (found by reconciliation).
        var waiting = await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 60m }, HttpStatusCode.Created);
        fake.Plans.Enqueue(new(FakePayoutProvider.Next.Answer, TransferState.WaitUserConfirm, Package: "ABBQO+oYAAABAAAAAAAk+yPZGrYAAAAAAAAA"));
        await SendAsync(server, database);
        mine = (await partner.Client.GetJsonAsync("/api/payouts/withdrawals")).EnumerateArray().Single(x => x.Str("id") == waiting.Str("id"));
        mine.Str("status").ShouldBe("WaitUserConfirm");
        mine.Str("packageInfo").ShouldBe("ABBQO+oYAAABAAAAAAAk+yPZGrYAAAAAAAAA");
        (await BalancesAsync(database, partner.Holder)).GetValueOrDefault(LedgerBucket.Available).ShouldBe(94_000);
        var bill = waiting.Str("outBillNo");
        fake.Bills[bill] = fake.Bills[bill] with { State = TransferState.Cancelled };
        (await ReconcileAsync(server, database)).Moved.ShouldBe(1);
        (await ReconcileAsync(server, database)).Queried.ShouldBe(0); // final: no longer polled

        var b = await BalancesAsync(database, partner.Holder);
        b.GetValueOrDefault(LedgerBucket.Available).ShouldBe(100_000);
        b.GetValueOrDefault(LedgerBucket.Withdrawing).ShouldBe(0);
        b.GetValueOrDefault(LedgerBucket.PaidOut).ShouldBe(0);
        (await BalancesAsync(database, Earner.Brand)).GetValueOrDefault(LedgerBucket.FeeIncome).ShouldBe(0);

        // A bill WeChat accepted and then does not know: reported, the money stays where it is.
        var lost = await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 70m }, HttpStatusCode.Created);
        await SendAsync(server, database);
        fake.Bills.TryRemove(lost.Str("outBillNo"), out _);
        (await ReconcileAsync(server, database)).Mismatches.ShouldBe(1);
        var report = (await finance.GetJsonAsync("/api/payouts/reconciliation")).EnumerateArray().Single();
        report.Str("providerState").ShouldBe("NotFound");
        report.Str("ourState").ShouldBe("Accepted");
        (await BalancesAsync(database, partner.Holder)).GetValueOrDefault(LedgerBucket.Withdrawing).ShouldBe(7_000);
        await AssertLedgerHoldsAsync(database);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task TwoSendersAtOnce_NeverSendABillTwice_AndEachPayoutIsPaidOutOnce(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var fake = new FakePayoutProvider { Delay = TimeSpan.FromMilliseconds(60) };
        await using var first = await StartAsync(database, fake);
        await using var second = await StartAsync(database, fake, seedDemo: false);
        using var admin = await first.ClientAsAsync("demo-admin");
        await UseWeChatAsync(admin);
        var partner = await PartnerAsync(first, admin, "payee-w3");
        await BindOpenIdAsync(database, partner.Id);
        await CreditAsync(database, partner.Holder, 1_000_000);
        var bills = new List<string>();
        for (var i = 0; i < 8; i++)
            bills.Add((await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 100m + i }, HttpStatusCode.Created)).Str("outBillNo"));

        // As if a sender outlived its job lease: both instances send at the same time, several rounds.
        await Task.WhenAll(Enumerable.Range(0, 3).SelectMany(i => new[] { SendAsync(first, database, "first"), SendAsync(second, database, "second") }));
        fake.OverlappingSends.ShouldBe(0);
        fake.Sends.GroupBy(s => s.OutBillNo).ShouldAllBe(g => g.Count() == 1);
        fake.Sends.Count.ShouldBe(8);

        // Success arrives twice for every bill, at both instances at once.
        using var a = first.Client();
        using var b = second.Client();
        var codes = await Task.WhenAll(bills.SelectMany(bill => new[] { NotifyAsync(a, bill, "SUCCESS"), NotifyAsync(b, bill, "SUCCESS") }));
        codes.ShouldAllBe(c => c == HttpStatusCode.NoContent);
        var gross = Enumerable.Range(0, 8).Sum(i => (100 + i) * 100L);
        var fee = Enumerable.Range(0, 8).Sum(i => ((100 + i) * 100L + 50) / 100);
        var balances = await BalancesAsync(database, partner.Holder);
        balances.GetValueOrDefault(LedgerBucket.PaidOut).ShouldBe(gross - fee);
        balances.GetValueOrDefault(LedgerBucket.Withdrawing).ShouldBe(0);
        await using (var db = database.NewContext(await TenantAsync(database)))
            (await db.LedgerPostings.CountAsync(p => p.Key.EndsWith(":Success"), Ct)).ShouldBe(8);
        await AssertLedgerHoldsAsync(database);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task SixteenNotificationsForOneEarnerAtOnce_AllApply_AndNoneAnswers500(DatabaseProvider provider)
    {
        // Every Success appends to the same earner's ledger chain: the writers race for the same (holder, seq) and
        // all but one lose each round; none may give up while the others keep winning.
        await using var database = await TestDatabase.CreateAsync(provider);
        var fake = new FakePayoutProvider();
        await using var server = await StartAsync(database, fake);
        using var admin = await server.ClientAsAsync("demo-admin");
        await UseWeChatAsync(admin);
        var partner = await PartnerAsync(server, admin, "payee-burst");
        await BindOpenIdAsync(database, partner.Id);
        await CreditAsync(database, partner.Holder, 1_000_000);
        var bills = new List<string>();
        for (var i = 0; i < 16; i++)
            bills.Add((await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 100m + i }, HttpStatusCode.Created)).Str("outBillNo"));
        (await SendAsync(server, database)).ShouldNotBeNull();
        fake.Sends.Count.ShouldBe(16);

        using var hook = server.Client();
        // What is checked is that all sixteen apply and none answers 500, not how fast: ~7 s for both providers on a quiet
        // machine, but one CI run (five test processes on 2 cores) saw a notification pass the client's default 60 s while
        // the sixteen took turns on the chain head. A real hang would still fail here.
        hook.Timeout = TimeSpan.FromMinutes(4);
        var codes = await Task.WhenAll(bills.Select(bill => NotifyAsync(hook, bill, "SUCCESS")));
        codes.ShouldAllBe(c => c == HttpStatusCode.NoContent);
        var gross = Enumerable.Range(0, 16).Sum(i => (100 + i) * 100L);
        var fee = Enumerable.Range(0, 16).Sum(i => ((100 + i) * 100L + 50) / 100);
        var balances = await BalancesAsync(database, partner.Holder);
        balances.GetValueOrDefault(LedgerBucket.PaidOut).ShouldBe(gross - fee);
        balances.GetValueOrDefault(LedgerBucket.Withdrawing).ShouldBe(0);
        await AssertLedgerHoldsAsync(database);
    }

    [Fact]
    public async Task TheScheduledSender_OnTwoInstances_SendsEachApprovedBillOnce()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var fake = new FakePayoutProvider { Delay = TimeSpan.FromMilliseconds(30) };
        await using var first = await GuidelinkInstance.StartAsync(database, jobs: true, services: s => s.AddSingleton<IPayoutProvider>(fake));
        await using var second = await GuidelinkInstance.StartAsync(database, seedDemo: false, jobs: true, services: s => s.AddSingleton<IPayoutProvider>(fake));
        using var admin = await first.ClientAsAsync("demo-admin");
        await UseWeChatAsync(admin);
        var partner = await PartnerAsync(first, admin, "payee-w5");
        await BindOpenIdAsync(database, partner.Id);
        await CreditAsync(database, partner.Holder, 100_000);
        for (var i = 0; i < 4; i++) await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 10m + i }, HttpStatusCode.Created);

        // Wait until the senders have recorded every answer (all four Accepted), not merely until the provider has the
        // bills: a bill exists before its sender commits the answer, and no fixed pause covers a loaded machine. Once all
        // are Accepted nothing is due, so no later send can come and the counts below are final.
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!(await partner.Client.GetJsonAsync("/api/payouts/withdrawals")).EnumerateArray().All(w => w.Str("status") == "Accepted")
               && DateTime.UtcNow < deadline)
            await Task.Delay(250, Ct);
        (await partner.Client.GetJsonAsync("/api/payouts/withdrawals")).EnumerateArray().ShouldAllBe(w => w.Str("status") == "Accepted");
        fake.Bills.Count.ShouldBe(4);
        fake.Sends.Count.ShouldBe(4);
        fake.OverlappingSends.ShouldBe(0);
    }

    [Fact]
    public async Task Secrets_AndRealNames_NeverLeaveInAnswersAuditOrLogs_AndWeChatBindingNeedsTheSignedState()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var fake = new FakePayoutProvider();
        var logs = new CapturingLogs();
        await using var server = await StartAsync(database, fake, more: s => s.AddSingleton<ILoggerProvider>(logs),
            args: ["--Logging:LogLevel:Default=Trace", "--Logging:LogLevel:Microsoft.AspNetCore=Trace"]);
        using var admin = await server.ClientAsAsync("demo-admin");
        using var anonymous = server.Client();

        (await admin.PutJsonAsync("/api/payouts/settings", new { provider = "WeChatPayTransfer" }, HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["merchant"]);
        (await admin.PutJsonAsync("/api/payouts/settings", new { provider = "WeChatPayTransfer", merchant = new { mchId = "1" } }, HttpStatusCode.BadRequest))
            .ErrorFields().ShouldContain("merchant.apiV3Key");
        var saved = await (await admin.PutAsJsonAsync("/api/payouts/settings",
            new { provider = "WeChatPayTransfer", autoApproveBelow = 100_000m, dualApprovalFrom = 200_000m, merchant = Merchant }, Ct)).Content.ReadAsStringAsync(Ct);
        var read = await (await admin.GetAsync("/api/payouts/settings", Ct)).Content.ReadAsStringAsync(Ct);
        read.ShouldContain("\"appSecretSet\":true");
        read.ShouldContain("1900000109"); // the merchant id is not a secret
        string[] secrets = ["APPSECRET-very-secret-0001", "MIIEv-PRIVATE-KEY-MATERIAL", "APIV3KEY0123456789abcdefghijklmn"];

        var partner = await PartnerAsync(server, admin, "payee-w4");
        await CreditAsync(database, partner.Holder, 500_000);
        // Not bound yet: refused naming the field. Then bind through WeChat's authorization.
        (await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 10m }, HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["wechat"]);
        var authorize = new Uri((await partner.Client.GetJsonAsync("/api/payouts/wechat/authorize")).Str("authorizeUrl"));
        authorize.Host.ShouldBe("open.weixin.qq.com");
        var state = System.Web.HttpUtility.ParseQueryString(authorize.Query)["state"]!;
        var forged = state[..^1] + (state[^1] == '0' ? '1' : '0');
        (await anonymous.GetJsonAsync($"/api/payouts/wechat/callback?code=good-code&state={Uri.EscapeDataString(forged)}", HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["state"]);
        (await anonymous.GetJsonAsync($"/api/payouts/wechat/callback?code=bad-code&state={Uri.EscapeDataString(state)}", HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["code"]);
        await anonymous.GetJsonAsync($"/api/payouts/wechat/callback?code=good-code&state={Uri.EscapeDataString(state)}", HttpStatusCode.OK);

        // From ¥2,000 transferred the real name is required; it is stored encrypted and reaches only the provider.
        (await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 2000m }, HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["realName"]);
        await partner.Client.PutJsonAsync("/api/payouts/real-name", new { realName = "欧阳锋锐" }, HttpStatusCode.OK);
        var w = await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 2000m }, HttpStatusCode.Created);
        await SendAsync(server, database);
        fake.Sends.Single().RealName.ShouldBe("欧阳锋锐");
        fake.Sends.Single().OpenId.ShouldBe("o-partner-1");
        var answers = saved + read + await (await partner.Client.GetAsync("/api/payouts/withdrawals", Ct)).Content.ReadAsStringAsync(Ct)
            + await (await admin.GetAsync($"/api/partners/{partner.Id}", Ct)).Content.ReadAsStringAsync(Ct) + w;

        await using var db = database.NewContext(await TenantAsync(database));
        var stored = await db.PayoutSettings.AsNoTracking().SingleAsync(Ct);
        var partnerRow = await db.Partners.AsNoTracking().SingleAsync(p => p.Id == new Core.Shared.PartnerId(Guid.Parse(partner.Id)), Ct);
        partnerRow.WeChatOpenId.ShouldBe("o-partner-1");
        var audit = string.Join('\n', (await db.AuditEntries.AsNoTracking().ToListAsync(Ct)).Select(a => $"{a.Action} {a.Before} {a.After}"));
        audit.ShouldContain("PayoutSettings.Saved");
        audit.ShouldContain("WeChatOpenId");
        var logged = logs.Text;
        logged.ShouldNotBeEmpty();
        foreach (var secret in secrets.Append("欧阳锋锐"))
        {
            answers.ShouldNotContain(secret);
            audit.ShouldNotContain(secret);
            logged.ShouldNotContain(secret);
            stored.MerchantCipher!.ShouldNotContain(secret);
            (partnerRow.RealName ?? "").ShouldNotContain(secret);
        }
    }

    private sealed class CapturingLogs : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public string Text => string.Join('\n', _lines);

        public ILogger CreateLogger(string categoryName) => new Logger(_lines);

        public void Dispose() { }

        private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue(formatter(state, exception) + exception);
        }
    }
}
