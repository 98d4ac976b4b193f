using System.Net;
using Guidelink.Core.Features.Payouts;
using Guidelink.Core.Persistence;
using Guidelink.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Guidelink.Web.Tests.PayoutApiTests;

namespace Guidelink.Web.Tests;

/// <summary>The payout pages as rendered HTML: the partner's balance and history with the 确认收款 button carrying the
/// package, mchId and appId; Finance's queue and reconciliation report; nobody else's money on either.</summary>
public sealed class PayoutPagesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ThePartnerSeesTheirBalanceAndAConfirmButton_AndFinanceSeesTheQueue()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var fake = new FakePayoutProvider();
        await using var server = await GuidelinkInstance.StartAsync(database, services: s => s.AddSingleton<IPayoutProvider>(fake));
        using var admin = await server.ClientAsAsync("demo-admin");
        using var finance = await server.ClientAsAsync("demo-finance");
        await admin.PutJsonAsync("/api/payouts/settings", new { provider = "WeChatPayTransfer", autoApproveBelow = 100m, dualApprovalFrom = 1000m, merchant = Merchant }, HttpStatusCode.OK);
        var partner = await PartnerAsync(server, admin, "payee-page");
        var other = await PartnerAsync(server, admin, "payee-other");
        await BindOpenIdAsync(database, partner.Id);
        await BindOpenIdAsync(database, other.Id, "o-other");
        await CreditAsync(database, partner.Holder, 50_000);
        await CreditAsync(database, other.Holder, 77_700);
        await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 60m }, HttpStatusCode.Created);
        var waiting = await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 300m }, HttpStatusCode.Created);
        var bill = (await finance.PostJsonAsync($"/api/payouts/{waiting.Str("id")}/approve", new { }, HttpStatusCode.OK)).Str("outBillNo");
        fake.Plans.Enqueue(new(FakePayoutProvider.Next.Answer, TransferState.Accepted));
        fake.Plans.Enqueue(new(FakePayoutProvider.Next.Answer, TransferState.WaitUserConfirm, Package: "PKG-for-the-bridge"));
        await SendAsync(server, database);

        var page = await partner.Client.GetStringAsync("/console/my-money", Ct);
        page.ShouldContain("id=\"balance\"");
        page.ShouldContain("140.00</div>"); // Available: 500 − 60 − 300
        page.ShouldContain("data-wx-package=\"PKG-for-the-bridge\"");
        page.ShouldContain("data-mch-id=\"1900000109\"");
        page.ShouldContain("data-app-id=\"wx8888888888888888\"");
        page.ShouldContain("class=\"primary confirm\""); // 确认收款
        page.ShouldNotContain("777.00");
        page.ShouldNotContain("APPSECRET");

        var queue = await finance.GetStringAsync("/console/payouts", Ct);
        queue.ShouldContain(bill);
        queue.ShouldContain("id=\"reconciliation\"");
        queue.ShouldContain("id=\"bank-result\"");
        (await partner.Client.GetStringAsync("/console/payouts", Ct)).ShouldNotContain(bill);
    }
}
