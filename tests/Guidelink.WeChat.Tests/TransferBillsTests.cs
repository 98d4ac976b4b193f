using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Guidelink.Core.Features.Payouts;
using Guidelink.Testing.WeChat;
using Guidelink.WeChat.Pay;

namespace Guidelink.WeChat.Tests;

/// <summary>The provider against the fake WeChat Pay: signatures, round trips, unknown outcomes, refusals.</summary>
public sealed class TransferBillsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Send_CreatesABill_WaitingForTheUser_WithASignedRequestOfThePublishedShape()
    {
        await using var h = await Harness.StartAsync();
        var result = await h.Provider.SendAsync(h.Merchant("https://brand.example/hooks/wechatpay/demo"), Harness.Transfer("W0001"), Ct);

        result.State.ShouldBe(TransferState.WaitUserConfirm);
        result.OutBillNo.ShouldBe("W0001");
        result.PackageInfo.ShouldNotBeNullOrEmpty();
        var bill = h.Fake.Bill("W0001").ShouldNotBeNull();
        result.PackageInfo.ShouldBe(bill.PackageInfo);
        result.TransferBillNo.ShouldBe(bill.TransferBillNo);

        var request = h.Fake.Requests.ShouldHaveSingleItem();
        request.SignatureValid.ShouldBeTrue(request.SignatureProblem);
        request.Target.ShouldBe("/v3/fund-app/mch-transfer/transfer-bills");
        request.WechatpaySerial.ShouldBeNull();
        var body = JsonNode.Parse(request.Body)!;
        ((string)body["appid"]!).ShouldBe(h.Fake.AppId);
        ((string)body["transfer_scene_id"]!).ShouldBe("1005");
        ((long)body["transfer_amount"]!).ShouldBe(12_345);
        ((string)body["transfer_remark"]!).ShouldBe("2026年11月佣金");
        ((string)body["notify_url"]!).ShouldBe("https://brand.example/hooks/wechatpay/demo");
        ((string)body["user_recv_perception"]!).ShouldBe("劳务报酬");
        ((string)body["transfer_scene_report_infos"]![0]!["info_type"]!).ShouldBe("岗位类型");
        body["user_name"].ShouldBeNull();
    }

    [Fact]
    public async Task Bill_WalksThroughEveryState_AndQueryFollows()
    {
        await using var h = await Harness.StartAsync(initialState: "ACCEPTED");
        var merchant = h.Merchant();
        (await h.Provider.SendAsync(merchant, Harness.Transfer("W0002"), Ct)).State.ShouldBe(TransferState.Accepted);

        h.Fake.SetState("W0002", "PROCESSING");
        (await h.Provider.QueryAsync(merchant, "W0002", Ct)).State.ShouldBe(TransferState.Processing);
        h.Fake.SetState("W0002", "WAIT_USER_CONFIRM");
        (await h.Provider.QueryAsync(merchant, "W0002", Ct)).State.ShouldBe(TransferState.WaitUserConfirm);
        // Re-sending the same bill now hands out the package_info the user confirms with.
        (await h.Provider.SendAsync(merchant, Harness.Transfer("W0002"), Ct)).PackageInfo.ShouldBe(h.Fake.Bill("W0002")!.PackageInfo);
        h.Fake.UserConfirms("W0002");
        (await h.Provider.QueryAsync(merchant, "W0002", Ct)).State.ShouldBe(TransferState.Transfering);
        h.Fake.Succeed("W0002");
        var done = await h.Provider.QueryAsync(merchant, "W0002", Ct);
        done.State.ShouldBe(TransferState.Success);
        done.FailReason.ShouldBeNull();
        done.UpdatedAt.ShouldNotBeNull();
        h.Fake.Bills.Count.ShouldBe(1);
    }

    [Fact]
    public async Task FailedBill_CarriesItsReason()
    {
        await using var h = await Harness.StartAsync();
        await h.Provider.SendAsync(h.Merchant(), Harness.Transfer("W0003"), Ct);
        h.Fake.Fail("W0003", "ACCOUNT_FROZEN");
        var result = await h.Provider.QueryAsync(h.Merchant(), "W0003", Ct);
        result.State.ShouldBe(TransferState.Fail);
        result.FailReason.ShouldBe("ACCOUNT_FROZEN");
        TransferFailReasons.Describe(result.FailReason, english: true).ShouldBe("The payee's WeChat Pay account is frozen.");
    }

    [Fact]
    public async Task Cancel_GoesThroughCanceling_ToCancelled()
    {
        await using var h = await Harness.StartAsync();
        var merchant = h.Merchant();
        await h.Provider.SendAsync(merchant, Harness.Transfer("W0004"), Ct);
        (await h.Provider.CancelAsync(merchant, "W0004", Ct)).State.ShouldBe(TransferState.Canceling);
        (await h.Provider.QueryAsync(merchant, "W0004", Ct)).State.ShouldBe(TransferState.Canceling);
        h.Fake.FinishCancel("W0004");
        (await h.Provider.CancelAsync(merchant, "W0004", Ct)).State.ShouldBe(TransferState.Cancelled);
        (await h.Provider.QueryAsync(merchant, "W0004", Ct)).State.ShouldBe(TransferState.Cancelled);
        h.Fake.Requests.ShouldAllBe(r => r.SignatureValid);
        h.Fake.Requests.Where(r => r.Method == "POST").Last().Target
            .ShouldBe("/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/W0004/cancel");
    }

    [Fact]
    public async Task Cancel_OfAConfirmedBill_IsRefused()
    {
        await using var h = await Harness.StartAsync();
        await h.Provider.SendAsync(h.Merchant(), Harness.Transfer("W0005"), Ct);
        h.Fake.UserConfirms("W0005");
        var refused = await Should.ThrowAsync<TransferRejectedException>(() => h.Provider.CancelAsync(h.Merchant(), "W0005", Ct));
        refused.Code.ShouldBe("INVALID_REQUEST");
    }

    [Fact]
    public async Task Query_OfABillNeverReceived_IsNotFound()
    {
        await using var h = await Harness.StartAsync();
        var result = await h.Provider.QueryAsync(h.Merchant(), "NEVERSENT1", Ct);
        result.ShouldBe(new TransferResult("NEVERSENT1", TransferState.NotFound));
    }

    [Fact]
    public async Task Cancel_OfABillNeverReceived_IsNotFound_AndMakesNoBill()
    {
        await using var h = await Harness.StartAsync();
        (await h.Provider.CancelAsync(h.Merchant(), "NEVERSENT3", Ct)).ShouldBe(new TransferResult("NEVERSENT3", TransferState.NotFound));
        h.Fake.Bills.ShouldBeEmpty();
        h.Fake.Enqueue(FakeFault.UnsignedAnswer());
        await Should.ThrowAsync<TransferOutcomeUnknownException>(() => h.Provider.CancelAsync(h.Merchant(), "NEVERSENT3", Ct));
    }

    [Fact]
    public async Task Query_NotFoundWithoutAValidSignature_IsUnknown_NotNotFound()
    {
        await using var h = await Harness.StartAsync();
        h.Fake.Enqueue(FakeFault.ForgedAnswer());
        await Should.ThrowAsync<TransferOutcomeUnknownException>(() => h.Provider.QueryAsync(h.Merchant(), "NEVERSENT2", Ct));
        h.Fake.Enqueue(FakeFault.UnsignedAnswer());
        await Should.ThrowAsync<TransferOutcomeUnknownException>(() => h.Provider.QueryAsync(h.Merchant(), "NEVERSENT2", Ct));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ServerError_IsUnknown_AndTheResendMakesOneBill(bool afterAccept)
    {
        await using var h = await Harness.StartAsync();
        h.Fake.Enqueue(FakeFault.ServerError(afterAccept));
        await Should.ThrowAsync<TransferOutcomeUnknownException>(() => h.Provider.SendAsync(h.Merchant(), Harness.Transfer("W0006"), Ct));
        h.Fake.Bills.Count.ShouldBe(afterAccept ? 1 : 0);

        var resent = await h.Provider.SendAsync(h.Merchant(), Harness.Transfer("W0006"), Ct);
        resent.State.ShouldBe(TransferState.WaitUserConfirm);
        h.Fake.Bills.ShouldHaveSingleItem().TransferBillNo.ShouldBe(resent.TransferBillNo);
    }

    [Fact]
    public async Task Timeout_IsUnknown_AndTheResendReturnsTheBillThatWasMade()
    {
        await using var h = await Harness.StartAsync(payTimeout: TimeSpan.FromSeconds(1));
        h.Fake.Enqueue(FakeFault.Hang(afterAccept: true));
        await Should.ThrowAsync<TransferOutcomeUnknownException>(() => h.Provider.SendAsync(h.Merchant(), Harness.Transfer("W0007"), Ct));
        var made = h.Fake.Bills.ShouldHaveSingleItem();
        h.SetPayTimeout(TimeSpan.FromSeconds(30)); // the resend must answer, not time out on a busy machine

        var resent = await h.Provider.SendAsync(h.Merchant(), Harness.Transfer("W0007"), Ct);
        resent.TransferBillNo.ShouldBe(made.TransferBillNo);
        resent.PackageInfo.ShouldBe(made.PackageInfo);
        h.Fake.Bills.Count.ShouldBe(1);
    }

    [Fact]
    public async Task HangBeforeAccepting_IsUnknown_AndTheResendMakesTheBill()
    {
        await using var h = await Harness.StartAsync(payTimeout: TimeSpan.FromSeconds(1));
        h.Fake.Enqueue(FakeFault.Hang());
        await Should.ThrowAsync<TransferOutcomeUnknownException>(() => h.Provider.SendAsync(h.Merchant(), Harness.Transfer("W0008"), Ct));
        h.Fake.Bills.ShouldBeEmpty();
        h.SetPayTimeout(TimeSpan.FromSeconds(30)); // the resend must answer, not time out on a busy machine
        (await h.Provider.SendAsync(h.Merchant(), Harness.Transfer("W0008"), Ct)).State.ShouldBe(TransferState.WaitUserConfirm);
        h.Fake.Bills.Count.ShouldBe(1);
    }

    [Fact]
    public async Task LostAnswer_IsUnknown_AndTheResendReturnsTheBillThatWasMade()
    {
        await using var h = await Harness.StartAsync();
        h.Fake.Enqueue(FakeFault.AcceptThenDrop());
        await Should.ThrowAsync<TransferOutcomeUnknownException>(() => h.Provider.SendAsync(h.Merchant(), Harness.Transfer("W0009"), Ct));
        var made = h.Fake.Bills.ShouldHaveSingleItem();
        (await h.Provider.SendAsync(h.Merchant(), Harness.Transfer("W0009"), Ct)).TransferBillNo.ShouldBe(made.TransferBillNo);
        h.Fake.Bills.Count.ShouldBe(1);
    }

    [Fact]
    public async Task SlowAnswer_WithinTheTimeout_IsAnAnswer()
    {
        await using var h = await Harness.StartAsync(payTimeout: TimeSpan.FromSeconds(30));
        h.Fake.Enqueue(FakeFault.Slow(TimeSpan.FromMilliseconds(300)));
        (await h.Provider.SendAsync(h.Merchant(), Harness.Transfer("W0010"), Ct)).State.ShouldBe(TransferState.WaitUserConfirm);
    }

    [Fact]
    public async Task RateLimitedByWeChat_IsUnknown_NotRefused()
    {
        await using var h = await Harness.StartAsync();
        h.Fake.Enqueue(FakeFault.Reject(429, "FREQUENCY_LIMITED"));
        await Should.ThrowAsync<TransferOutcomeUnknownException>(() => h.Provider.SendAsync(h.Merchant(), Harness.Transfer("W0011"), Ct));
        h.Fake.Bills.ShouldBeEmpty();
    }

    [Fact]
    public async Task BusinessRefusal_WithNoBill_IsRejectedWithWeChatsCode()
    {
        await using var h = await Harness.StartAsync();
        h.Fake.Enqueue(FakeFault.Reject(403, "NOT_ENOUGH"));
        var refused = await Should.ThrowAsync<TransferRejectedException>(() => h.Provider.SendAsync(h.Merchant(), Harness.Transfer("W0012"), Ct));
        refused.Code.ShouldBe("NOT_ENOUGH");
        h.Fake.Bills.ShouldBeEmpty();
        // Before failing the withdrawal the provider made sure no bill exists.
        h.Fake.Requests.Select(r => r.Method).ShouldBe(["POST", "GET"]);
    }

    [Fact]
    public async Task RefusedResend_OfAnExistingBill_ReturnsThatBill_NotARefusal()
    {
        await using var h = await Harness.StartAsync();
        await h.Provider.SendAsync(h.Merchant(), Harness.Transfer("W0013", amountFen: 100), Ct);
        h.Fake.Succeed("W0013");
        // Same out_bill_no, other content: WeChat answers 400 INVALID_REQUEST, yet the bill exists and was paid.
        var result = await h.Provider.SendAsync(h.Merchant(), Harness.Transfer("W0013", amountFen: 200), Ct);
        result.State.ShouldBe(TransferState.Success);
        h.Fake.Bills.ShouldHaveSingleItem().AmountFen.ShouldBe(100);
    }

    [Fact]
    public async Task RefusalFollowedByAFailedQuery_IsUnknown()
    {
        await using var h = await Harness.StartAsync();
        h.Fake.Enqueue(FakeFault.Reject(400, "PARAM_ERROR"));
        h.Fake.Enqueue(FakeFault.Reject(403, "NO_AUTH"));
        await Should.ThrowAsync<TransferOutcomeUnknownException>(() => h.Provider.SendAsync(h.Merchant(), Harness.Transfer("W0014"), Ct));
    }

    [Fact]
    public async Task RemarkLongerThan32_IsRefusedBeforeSending()
    {
        await using var h = await Harness.StartAsync();
        var refused = await Should.ThrowAsync<TransferRejectedException>(() =>
            h.Provider.SendAsync(h.Merchant(), Harness.Transfer("W0015", remark: new string('佣', 33)), Ct));
        refused.Code.ShouldBe("PARAM_ERROR");
        h.Fake.Requests.ShouldBeEmpty();
        (await h.Provider.SendAsync(h.Merchant(), Harness.Transfer("W0015", remark: new string('佣', 32)), Ct)).State
            .ShouldBe(TransferState.WaitUserConfirm);
    }

    [Fact]
    public async Task RealName_IsEncryptedForThePlatformKey_AndNamedInWechatpaySerial()
    {
        await using var h = await Harness.StartAsync();
        await h.Provider.SendAsync(h.Merchant(), Harness.Transfer("W0016", amountFen: 250_000, realName: "张三丰"), Ct);

        h.Fake.Bill("W0016")!.UserName.ShouldBe("张三丰");
        var request = h.Fake.Requests.ShouldHaveSingleItem();
        request.WechatpaySerial.ShouldBe(h.Fake.PlatformKeyId);
        request.Body.ShouldNotContain("张三丰");
        ((string)JsonNode.Parse(request.Body)!["user_name"]!).Length.ShouldBeGreaterThan(300);

        // A re-send encrypts again (OAEP is randomized) and is still the same bill.
        await h.Provider.SendAsync(h.Merchant(), Harness.Transfer("W0016", amountFen: 250_000, realName: "张三丰"), Ct);
        h.Fake.Bills.Count.ShouldBe(1);
    }

    [Fact]
    public async Task LargeTransfer_WithoutRealName_IsRefusedByWeChat()
    {
        await using var h = await Harness.StartAsync();
        var refused = await Should.ThrowAsync<TransferRejectedException>(() =>
            h.Provider.SendAsync(h.Merchant(), Harness.Transfer("W0017", amountFen: 200_000), Ct));
        refused.Code.ShouldBe("PARAM_ERROR");
    }

    [Fact]
    public async Task AnswersThatDoNotVerify_AreUnknown()
    {
        await using var h = await Harness.StartAsync();
        var merchant = h.Merchant();
        FakeFault[] faults = [FakeFault.TamperedAnswer(), FakeFault.WrongSerial(), FakeFault.StaleAnswer(), FakeFault.ForgedAnswer(), FakeFault.UnsignedAnswer()];
        foreach (var fault in faults)
        {
            h.Fake.Enqueue(fault);
            await Should.ThrowAsync<TransferOutcomeUnknownException>(() => h.Provider.SendAsync(merchant, Harness.Transfer("W0018"), Ct),
                fault.Kind.ToString());
        }
        // The bill was made on the first of those; the honest answer now returns it.
        (await h.Provider.SendAsync(merchant, Harness.Transfer("W0018"), Ct)).State.ShouldBe(TransferState.WaitUserConfirm);
        h.Fake.Bills.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Fake_RefusesRequests_WithTamperedBody_WrongSerial_OrStaleTimestamp()
    {
        await using var fake = await FakeWeChatPayServer.StartAsync();
        using var key = WeChatPayKeys.PrivateKey(fake.MerchantPrivateKeyPem);
        using var http = new HttpClient { BaseAddress = fake.BaseAddress };
        const string body = """{"appid":"x"}""";

        async Task<HttpStatusCode> Post(string signedBody, string sentBody, string serial, DateTimeOffset at)
        {
            var nonce = WeChatPaySignature.NewNonce();
            var signature = WeChatPaySignature.Sign(key,
                WeChatPaySignature.RequestMessage("POST", FakeWeChatPayServer.TransferBillsPath, at.ToUnixTimeSeconds(), nonce, signedBody));
            using var request = new HttpRequestMessage(HttpMethod.Post, FakeWeChatPayServer.TransferBillsPath)
            {
                Content = new StringContent(sentBody, Encoding.UTF8, "application/json"),
            };
            request.Headers.TryAddWithoutValidation("Authorization",
                WeChatPaySignature.Authorization(fake.MchId, nonce, at.ToUnixTimeSeconds(), serial, signature));
            using var response = await http.SendAsync(request, Ct);
            return response.StatusCode;
        }

        var now = DateTimeOffset.UtcNow;
        // Control: the honest request passes the signature check (and is then refused for its content).
        (await Post(body, body, fake.MerchantSerialNo, now)).ShouldBe(HttpStatusCode.BadRequest);
        (await Post(body, """{"appid":"y"}""", fake.MerchantSerialNo, now)).ShouldBe(HttpStatusCode.Unauthorized);
        (await Post(body, body, "0000000000000000000000000000000000000000", now)).ShouldBe(HttpStatusCode.Unauthorized);
        (await Post(body, body, fake.MerchantSerialNo, now.AddMinutes(-6))).ShouldBe(HttpStatusCode.Unauthorized);
        fake.Requests.Select(r => r.SignatureValid).ShouldBe([true, false, false, false]);
    }

    [Fact]
    public async Task ToString_OfTheMerchant_HidesEverySecret()
    {
        await using var fake = await FakeWeChatPayServer.StartAsync();
        var text = fake.Merchant().ToString();
        text.ShouldNotContain(fake.AppSecret);
        text.ShouldNotContain(fake.ApiV3Key);
        text.ShouldNotContain("PRIVATE KEY");
    }
}
