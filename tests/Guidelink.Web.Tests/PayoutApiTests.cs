using System.Net;
using System.Net.Http.Json;
using System.Text;
using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Commission;
using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Features.Payouts;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Web.Tests;

/// <summary>Withdrawals end to end over HTTP: amounts, approvals, the ledger, the Manual bank file, and exactly-once
/// transfers through a fake WeChat Pay that times out, refuses, and answers each state.</summary>
public sealed class PayoutApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal sealed record Partner(string Id, string Holder, HttpClient Client);

    internal static async Task<TenantId> TenantAsync(TestDatabase database)
    {
        await using var platform = database.NewContext();
        return await platform.Tenants.Where(t => t.Slug == Core.Features.Demo.SeedDemoBrand.Slug).Select(t => t.Id).FirstAsync(Ct);
    }

    internal static async Task<Partner> PartnerAsync(GuidelinkInstance server, HttpClient admin, string login)
    {
        var store = await admin.StoreIdAsync("SH-XH");
        var id = (await admin.PostJsonAsync("/api/partners", new { kind = "PartTimeGuide", name = "设计师" + login, homeStoreId = store }, HttpStatusCode.Created)).Str("id");
        await admin.PostJsonAsync($"/api/partners/{id}/approve", new { }, HttpStatusCode.OK);
        await admin.PostJsonAsync($"/api/partners/{id}/login", new { login, password = "partner-pass-1" }, HttpStatusCode.Created);
        return new Partner(id, $"PartTimeGuide:{id}", await server.ClientAsAsync(login, "partner-pass-1"));
    }

    /// <summary>Commission made Available, as settlement would post it.</summary>
    internal static async Task CreditAsync(TestDatabase database, string holder, long fen)
    {
        await using var db = database.NewContext(await TenantAsync(database));
        var now = DateTimeOffset.UtcNow;
        await new LedgerBook(db).PostAsync($"test-credit:{Guid.NewGuid()}", "Settlement", null, now, now,
            [new Movement(Earner.Brand, LedgerBucket.CommissionExpense, -fen, "test"), new Movement(holder, LedgerBucket.Available, fen, "test")], Ct);
        await db.SaveChangesAsync(Ct);
    }

    internal static async Task<Dictionary<LedgerBucket, long>> BalancesAsync(TestDatabase database, string holder)
    {
        await using var db = database.NewContext(await TenantAsync(database));
        return await LedgerBook.BalancesAsync(db, holder, null, Ct);
    }

    internal static async Task BindOpenIdAsync(TestDatabase database, string partnerId, string openId = "o-test")
    {
        await using var db = database.NewContext(await TenantAsync(database));
        var partner = await db.Partners.SingleAsync(p => p.Id == new PartnerId(Guid.Parse(partnerId)), Ct);
        partner.BindWeChat(openId);
        await db.SaveChangesAsync(Ct);
    }

    internal static object Merchant => new
    {
        mchId = "1900000109",
        appId = "wx8888888888888888",
        appSecret = "APPSECRET-very-secret-0001",
        certificateSerialNo = "5157F09EFDC096DE15EBE81A47057A72",
        privateKeyPem = "-----BEGIN PRIVATE KEY-----\nMIIEv-PRIVATE-KEY-MATERIAL\n-----END PRIVATE KEY-----",
        apiV3Key = "APIV3KEY0123456789abcdefghijklmn",
        platformKeyId = "PUB_KEY_ID_0114232134912410000",
        platformPublicKeyPem = "-----BEGIN PUBLIC KEY-----\nMIIB-public\n-----END PUBLIC KEY-----",
        notifyUrl = "https://guidelink.example/hooks/wechatpay/qimu",
    };

    /// <summary>Runs the sender once, as the scheduled job would for the demo brand.</summary>
    internal static async Task<SendPayouts.Response> SendAsync(GuidelinkInstance server, TestDatabase database, string sender = "test-sender")
    {
        var tenant = await TenantAsync(database);
        await using var scope = server.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(tenant);
        scope.ServiceProvider.GetRequiredService<ActorContext>().Current = Actor.System(tenant, "payout-sender");
        return await scope.ServiceProvider.GetRequiredService<SendPayouts.Handler>().HandleAsync(sender, Ct);
    }

    internal static async Task<ReconcilePayouts.Response> ReconcileAsync(GuidelinkInstance server, TestDatabase database)
    {
        var tenant = await TenantAsync(database);
        await using var scope = server.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(tenant);
        scope.ServiceProvider.GetRequiredService<ActorContext>().Current = Actor.System(tenant, "payout-reconciliation");
        return await scope.ServiceProvider.GetRequiredService<ReconcilePayouts.Handler>().HandleAsync(Ct);
    }

    /// <summary>Every posting sums to zero and every earner chain links.</summary>
    internal static async Task AssertLedgerHoldsAsync(TestDatabase database)
    {
        await using var check = database.NewContext(await TenantAsync(database));
        var entries = await check.LedgerEntries.AsNoTracking().ToListAsync(Ct);
        entries.GroupBy(e => e.PostingId).ShouldAllBe(g => g.Sum(e => e.AmountFen) == 0);
        foreach (var chain in entries.Where(e => e.Seq > 0).GroupBy(e => e.Holder))
        {
            string? previous = null;
            var expectedSeq = 1L;
            foreach (var e in chain.OrderBy(e => e.Seq))
            {
                e.Seq.ShouldBe(expectedSeq++);
                e.PrevHash.ShouldBe(previous);
                e.Hash.ShouldBe(LedgerEntry.ComputeHash(LedgerEntry.CanonicalForm(e.Id, e.At, e.Holder, e.Bucket, e.AmountFen, e.PostingId, e.Reason, e.OrderId, e.PrevHash)));
                previous = e.Hash;
            }
        }
    }

    private static async Task<JsonResult> PostCsvAsync(HttpClient client, string url, string csv, HttpStatusCode expected) =>
        new(await (await client.PostAsync(url, new StringContent(csv, Encoding.UTF8, "text/csv"), Ct)).JsonAsync(expected));

    private sealed record JsonResult(System.Text.Json.JsonElement Json);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task AManualWithdrawal_TaxAndFeeOnTheGrossHalfUp_MinimumAndDailyCap_BankFileMarksItPaidOnce(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        using var admin = await server.ClientAsAsync("demo-admin");
        using var finance = await server.ClientAsAsync("demo-finance");
        var partner = await PartnerAsync(server, admin, "payee-1");
        await CreditAsync(database, partner.Holder, 300_000);

        // Fee 0.5 %, tax 20.5 % above ¥800, cap ¥1,500 a day, everything under ¥10,000 approved automatically.
        await admin.PutJsonAsync("/api/payouts/settings", new
        {
            provider = "Manual",
            minimum = 10m,
            feeBasisPoints = 50,
            dailyCap = 1500m,
            taxBasisPoints = 2050,
            taxThreshold = 800m,
            autoApproveBelow = 10_000m,
            dualApprovalFrom = 20_000m,
        }, HttpStatusCode.OK);

        (await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 9.99m }, HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["amount"]);
        (await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 1.001m }, HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["amount"]);
        (await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 3000.01m }, HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["amount"]);

        // Gross ¥1,001.00: fee 100,100 × 0.5 % = 500.5 → 501 fen; tax (100,100 − 80,000) × 20.5 % = 4,120.5 → 4,121 fen
        // (half up; banker's rounding would give 500 and 4,120). Net = 100,100 − 4,121 − 501 = 95,478.
        var w = await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 1001.00m, key = "w-1" }, HttpStatusCode.Created);
        w.GetProperty("grossFen").GetInt64().ShouldBe(100_100);
        w.GetProperty("feeFen").GetInt64().ShouldBe(501);
        w.GetProperty("taxFen").GetInt64().ShouldBe(4_121);
        w.GetProperty("netFen").GetInt64().ShouldBe(95_478);
        w.Str("status").ShouldBe("Approved");
        var bill = w.Str("outBillNo");
        bill.Length.ShouldBeLessThanOrEqualTo(32);
        bill.ShouldAllBe(c => char.IsAsciiLetterOrDigit(c));
        (await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 1001.00m, key = "w-1" }, HttpStatusCode.Created)).GetProperty("replayed").GetBoolean().ShouldBeTrue();
        await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 1002.00m, key = "w-1" }, HttpStatusCode.Conflict);

        // The gross left Available at once; the daily cap counts it.
        var balance = await partner.Client.GetJsonAsync("/api/payouts/balance");
        balance.GetProperty("availableFen").GetInt64().ShouldBe(300_000 - 100_100);
        balance.GetProperty("withdrawingFen").GetInt64().ShouldBe(100_100);
        (await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 500m }, HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["amount"]);

        // The sender "sends" it (Manual: queued for the bank file); the export lists it once and moves it to Processing.
        (await SendAsync(server, database)).Sent.ShouldBe(1);
        var export = await (await finance.GetAsync("/api/payouts/manual/export", Ct)).Content.ReadAsStringAsync(Ct);
        export.ShouldContain(bill);
        export.ShouldContain("954.78");
        (await (await finance.GetAsync("/api/payouts/manual/export", Ct)).Content.ReadAsStringAsync(Ct)).ShouldNotContain(bill);
        (await partner.Client.GetAsync("/api/payouts/manual/export", Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        // A bad result file is rejected whole, naming the line; the good one marks the bill paid; a second upload changes nothing.
        (await PostCsvAsync(finance, "/api/payouts/manual/result", $"out_bill_no,result\n{bill},SUCCESS\nNOPE,PAID\n", HttpStatusCode.BadRequest)).Json.ErrorFields().ShouldBe(["lines[3]"]); // the file's third line
        (await BalancesAsync(database, partner.Holder)).GetValueOrDefault(LedgerBucket.PaidOut).ShouldBe(0);
        (await PostCsvAsync(finance, "/api/payouts/manual/result", $"out_bill_no,result\n{bill},SUCCESS\n", HttpStatusCode.OK)).Json.GetProperty("applied").GetInt32().ShouldBe(1);
        (await PostCsvAsync(finance, "/api/payouts/manual/result", $"{bill},SUCCESS\n", HttpStatusCode.OK)).Json.GetProperty("unchanged").GetInt32().ShouldBe(1);
        // A contradicting line later is a mismatch for HQ, never a second movement.
        (await PostCsvAsync(finance, "/api/payouts/manual/result", $"{bill},FAIL,ACCOUNT_FROZEN\n", HttpStatusCode.OK)).Json.GetProperty("mismatches").GetInt32().ShouldBe(1);

        var after = await BalancesAsync(database, partner.Holder);
        after.GetValueOrDefault(LedgerBucket.Available).ShouldBe(300_000 - 100_100);
        after.GetValueOrDefault(LedgerBucket.Withdrawing).ShouldBe(0);
        after.GetValueOrDefault(LedgerBucket.PaidOut).ShouldBe(95_478);
        var brand = await BalancesAsync(database, Earner.Brand);
        brand.GetValueOrDefault(LedgerBucket.TaxWithheld).ShouldBe(4_121);
        brand.GetValueOrDefault(LedgerBucket.FeeIncome).ShouldBe(501);
        var mine = (await partner.Client.GetJsonAsync("/api/payouts/withdrawals")).EnumerateArray().ToList();
        mine.Single().Str("status").ShouldBe("Success");
        var report = (await finance.GetJsonAsync("/api/payouts/reconciliation")).EnumerateArray().ToList();
        report.Single().Str("outBillNo").ShouldBe(bill);
        report.Single().Str("ourState").ShouldBe("Success");
        report.Single().Str("providerState").ShouldBe("Fail");

        // The statement shows gross, tax, fee and net as separate entries with their reasons.
        await using (var db = database.NewContext(await TenantAsync(database)))
        {
            var reasons = await db.LedgerEntries.Where(e => e.Holder == partner.Holder && e.Bucket == LedgerBucket.PaidOut).Select(e => new { e.Reason, e.AmountFen }).ToListAsync(Ct);
            reasons.ShouldContain(r => r.Reason == "withdrawal paid (gross)" && r.AmountFen == 100_100);
            reasons.ShouldContain(r => r.Reason == "tax withheld" && r.AmountFen == -4_121);
            reasons.ShouldContain(r => r.Reason == "withdrawal fee" && r.AmountFen == -501);
            (await db.AuditEntries.CountAsync(a => a.Action.StartsWith("Payout"), Ct)).ShouldBeGreaterThanOrEqualTo(4);
        }
        await AssertLedgerHoldsAsync(database);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Approvals_AutoBelowTheThreshold_OneAbove_TwoDifferentPeopleAboveTheSecond_AndARejectionReturnsTheMoney(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        using var admin = await server.ClientAsAsync("demo-admin");
        using var finance = await server.ClientAsAsync("demo-finance");
        var tenant = await TenantAsync(database);
        await using (var scope = server.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Set(tenant);
            scope.ServiceProvider.GetRequiredService<ActorContext>().Current = Actor.System(tenant, "test");
            (await scope.ServiceProvider.GetRequiredService<CreateUser.Handler>().HandleAsync(
                new CreateUser.Request("finance-2", "finance-pass-2", "HQ009", "第二财务", "Finance", null, null), Ct)).IsOk.ShouldBeTrue();
        }
        using var finance2 = await server.ClientAsAsync("finance-2", "finance-pass-2");
        var partner = await PartnerAsync(server, admin, "payee-2");
        await CreditAsync(database, partner.Holder, 500_000);
        await admin.PutJsonAsync("/api/payouts/settings", new { provider = "Manual", autoApproveBelow = 100m, dualApprovalFrom = 1000m }, HttpStatusCode.OK);

        (await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 50m }, HttpStatusCode.Created)).Str("status").ShouldBe("Approved");

        var single = await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 200m }, HttpStatusCode.Created);
        single.Str("status").ShouldBe("AwaitingApproval");
        single.TryGetProperty("outBillNo", out var none).ShouldBeTrue();
        none.ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null); // no bill number before approval: nothing can be sent
        (await partner.Client.PostAsync($"/api/payouts/{single.Str("id")}/approve", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await admin.PostAsync($"/api/payouts/{single.Str("id")}/approve", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden); // HQ admin lacks payouts.approve
        (await finance.PostJsonAsync($"/api/payouts/{single.Str("id")}/approve", new { }, HttpStatusCode.OK)).Str("status").ShouldBe("Approved");

        var dual = await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 1500m }, HttpStatusCode.Created);
        dual.GetProperty("approvalsRequired").GetInt32().ShouldBe(2);
        (await finance.PostJsonAsync($"/api/payouts/{dual.Str("id")}/approve", new { }, HttpStatusCode.OK)).Str("status").ShouldBe("AwaitingApproval");
        await finance.PostJsonAsync($"/api/payouts/{dual.Str("id")}/approve", new { }, HttpStatusCode.Conflict); // the same person twice
        (await finance2.PostJsonAsync($"/api/payouts/{dual.Str("id")}/approve", new { }, HttpStatusCode.OK)).Str("status").ShouldBe("Approved");

        var rejected = await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 300m }, HttpStatusCode.Created);
        var beforeReject = (await BalancesAsync(database, partner.Holder)).GetValueOrDefault(LedgerBucket.Available);
        (await finance.PostJsonAsync($"/api/payouts/{rejected.Str("id")}/reject", new { reason = "资料不全" }, HttpStatusCode.OK)).Str("status").ShouldBe("Rejected");
        await finance2.PostJsonAsync($"/api/payouts/{rejected.Str("id")}/approve", new { }, HttpStatusCode.Conflict); // final: never left
        (await BalancesAsync(database, partner.Holder)).GetValueOrDefault(LedgerBucket.Available).ShouldBe(beforeReject + 30_000);

        var queue = (await finance.GetJsonAsync("/api/payouts/queue")).EnumerateArray().ToList();
        queue.Count.ShouldBe(4);
        (await finance.GetJsonAsync("/api/payouts/queue?status=Rejected")).GetArrayLength().ShouldBe(1);
        (await partner.Client.GetAsync("/api/payouts/queue", Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        // Someone who earns and may approve (a guide given payouts.approve) still cannot approve their own withdrawal.
        await using (var scope = server.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Set(tenant);
            var guideId = new StaffId(Guid.CreateVersion7());
            var guide = new Actor(ActorKind.Staff, tenant, "导购", guideId, null, Core.Features.Organization.StaffRole.Guide,
                new HashSet<string> { Permissions.EarningsOwn, Permissions.PayoutsApprove }, AccessScope.BrandWide);
            scope.ServiceProvider.GetRequiredService<ActorContext>().Current = guide;
            await CreditAsync(database, $"OfficialGuide:{guideId.Value}", 200_000);
            var own = await scope.ServiceProvider.GetRequiredService<RequestWithdrawal.Handler>().HandleAsync(new RequestWithdrawal.Request(500m, null), Ct);
            own.Value!.Status.ShouldBe("AwaitingApproval");
            var self = await scope.ServiceProvider.GetRequiredService<DecidePayout.Handler>().HandleAsync(new DecidePayout.Request(own.Value.Id, true, null), Ct);
            self.Kind.ShouldBe(OutcomeKind.Forbidden);
        }
        await AssertLedgerHoldsAsync(database);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    public async Task ARefundWhileAWithdrawalIsPending_LeavesItStanding_TakesAvailableNegative_AndLaterEarningsRepayIt(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        using var admin = await server.ClientAsAsync("demo-admin");
        await admin.PostJsonAsync("/api/commission-rules", new { name = "合伙人 5%", appliesTo = new[] { "PartTimeGuide" }, basisPoints = 500, effectiveFrom = "2026-01-01T00:00:00Z" }, HttpStatusCode.Created);
        await using (var db = database.NewContext(await TenantAsync(database)))
        {
            db.Categories.Add(Core.Features.Catalog.Category.Create(db.TenantContext.Required, "sofa", "沙发"));
            await db.SaveChangesAsync(Ct);
        }
        var partner = await PartnerAsync(server, admin, "payee-refund");
        var code = (await admin.GetJsonAsync($"/api/codes?partnerId={partner.Id}")).Str("code");
        var store = await admin.StoreIdAsync("SH-XH");
        async Task<string> SettledOrderAsync(string no, string phone, decimal price)
        {
            var order = await admin.PostJsonAsync("/api/orders", new
            {
                channel = "MiniMall",
                externalNo = no,
                storeId = store,
                customer = new { phone },
                referralCode = code,
                paid = price,
                placedAt = DateTimeOffset.UtcNow.AddDays(-10),
                lines = new object[] { new { sku = "SOFA-01", name = "沙发", category = "sofa", quantity = 1, unitPrice = price } },
            }, HttpStatusCode.Created);
            await admin.PostJsonAsync($"/api/orders/{order.Str("id")}/events", new { kind = "Completed", at = DateTimeOffset.UtcNow.AddDays(-8) }, HttpStatusCode.OK);
            await admin.PostJsonAsync("/api/settlement/run", new { }, HttpStatusCode.OK);
            return order.Str("id");
        }

        var first = await SettledOrderAsync("MM-P1", "13800138301", 2000m); // 5 % = ¥100.00
        (await partner.Client.GetJsonAsync("/api/payouts/balance")).GetProperty("availableFen").GetInt64().ShouldBe(10_000);
        var w = await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 100m }, HttpStatusCode.Created);

        // The customer returns the sofa while the withdrawal waits: the withdrawal stands, Available goes to −¥100.
        await admin.PostJsonAsync($"/api/orders/{first}/events", new { kind = "Refunded", key = "RF-P1" }, HttpStatusCode.OK);
        var balance = await partner.Client.GetJsonAsync("/api/payouts/balance");
        balance.GetProperty("availableFen").GetInt64().ShouldBe(-10_000);
        balance.GetProperty("withdrawingFen").GetInt64().ShouldBe(10_000);
        (await partner.Client.GetJsonAsync("/api/payouts/withdrawals"))[0].Str("status").ShouldBe("Approved");
        (await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 1m }, HttpStatusCode.BadRequest)).ErrorFields().ShouldBe(["amount"]);

        // The next earnings repay the debt first.
        await SettledOrderAsync("MM-P2", "13800138302", 3000m); // ¥150.00
        (await partner.Client.GetJsonAsync("/api/payouts/balance")).GetProperty("availableFen").GetInt64().ShouldBe(5_000);
        w.Str("status").ShouldBe("Approved");
        await AssertLedgerHoldsAsync(database);
    }

    [Fact]
    public async Task TwoConcurrentWithdrawals_CannotBothSpendTheSameMoney()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        await using var server = await GuidelinkInstance.StartAsync(database);
        using var admin = await server.ClientAsAsync("demo-admin");
        var partner = await PartnerAsync(server, admin, "payee-race");
        await CreditAsync(database, partner.Holder, 10_000);
        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => partner.Client.PostAsJsonAsync("/api/payouts/withdrawals", new { amount = 60m }, Ct)));
        answers.Count(a => a.StatusCode == HttpStatusCode.Created).ShouldBe(1);
        (await BalancesAsync(database, partner.Holder)).GetValueOrDefault(LedgerBucket.Available).ShouldBe(4_000);
    }
}
