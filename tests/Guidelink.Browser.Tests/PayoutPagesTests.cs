using System.Net.Http.Json;
using System.Text.Json;
using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Commission;
using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

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
        await phone.WaitForSelectorAsync("#saved");
        (await phone.TextContentAsync("#available"))!.ShouldContain("380.00");
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
}
