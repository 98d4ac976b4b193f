using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Guidelink.Core.Features.Payouts;
using Guidelink.WeChat.Pay;

namespace Guidelink.WeChat.Tests;

/// <summary>The published vectors (Vectors/wechatpay_v3.json, copied from WeChat Pay's SDKs and docs) pass exactly.</summary>
public sealed class VectorTests
{
    private static readonly JsonNode Vectors =
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "wechatpay_v3.json")))!;

    private static JsonNode Transfer => Vectors["transfer"]!["transfer_bills_new_api"]!;

    [Fact]
    public void RequestMessage_And_Authorization_MatchTheJavaSdkVector()
    {
        var v = Vectors["authorization"]!["java_canonical_message_vector"]!;
        var uri = new Uri((string)v["url"]!);
        var message = WeChatPaySignature.RequestMessage((string)v["method"]!, WeChatPaySignature.CanonicalUrl(uri),
            (long)v["timestamp"]!, (string)v["nonce"]!, (string)v["body"]!);
        message.ShouldBe((string)v["expected_message"]!);

        WeChatPaySignature.Authorization("1234567891", (string)v["nonce"]!, (long)v["timestamp"]!,
                "5F1C72E2A8931B72A2E13AF8DEE92471EB397115", "fake-sign", scheme: "WECHATPAY2-fake-algorithm")
            .ShouldBe((string)v["expected_authorization_with_fake_signer"]!);
    }

    [Fact]
    public void OfficialDocExample_MessageFormat_And_AuthorizationParses()
    {
        var v = Vectors["authorization"]!["official_doc_example"]!;
        WeChatPaySignature.RequestMessage("GET", "/v3/certificates", 1554208460, "593BEC0C930BF1AFEB40B4A08C8FB242", "")
            .ShouldBe((string)v["message"]!);

        var parsed = WeChatPaySignature.ParseAuthorization((string)v["authorization"]!).ShouldNotBeNull();
        parsed.Scheme.ShouldBe(WeChatPaySignature.Scheme);
        parsed.Fields["mchid"].ShouldBe("1900009191");
        parsed.Fields["nonce_str"].ShouldBe("593BEC0C930BF1AFEB40B4A08C8FB242");
        parsed.Fields["timestamp"].ShouldBe("1554208460");
        parsed.Fields["serial_no"].ShouldBe("1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C");
        parsed.Fields["signature"].ShouldStartWith("uOVRnA4qG/MNnYzdQxJanN");
        parsed.Fields["signature"].ShouldEndWith("wIUFluw==");
    }

    [Fact]
    public void Sha256WithRsa_MatchesTheGoSdkSignature_AndVerifies()
    {
        var v = Vectors["rsa_sha256_signature"]!;
        using var key = WeChatPayKeys.PrivateKey((string)v["private_key_pkcs8_pem"]!);
        WeChatPaySignature.Sign(key, (string)v["message"]!).ShouldBe((string)v["expected_signature"]!);

        using var publicKey = RSA.Create();
        publicKey.ImportSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
        WeChatPaySignature.Verify(publicKey, "source", (string)v["expected_signature"]!).ShouldBeTrue();
        WeChatPaySignature.Verify(publicKey, "sourcE", (string)v["expected_signature"]!).ShouldBeFalse();
        WeChatPaySignature.Verify(publicKey, "source", "not base64!").ShouldBeFalse();
    }

    [Fact]
    public void AeadAesGcm_JavaMessageVector_DecryptsEncrypts_AndRefusesBadAssociatedData()
    {
        var v = Vectors["aead_aes_gcm"]![0]!;
        var key = (string)v["apiv3_key"]!;
        AeadAes256Gcm.Decrypt(key, (string)v["nonce"]!, (string)v["associated_data"]!, (string)v["ciphertext_b64"]!)
            .ShouldBe((string)v["plaintext"]!);
        AeadAes256Gcm.Encrypt(key, (string)v["nonce"]!, (string)v["associated_data"]!, (string)v["plaintext"]!)
            .ShouldBe((string)v["ciphertext_b64"]!);
        Should.Throw<CryptographicException>(() =>
            AeadAes256Gcm.Decrypt(key, (string)v["nonce"]!, "bad-associatedData", (string)v["ciphertext_b64"]!));
    }

    [Fact]
    public void AeadAesGcm_PlatformCertificateVector_DecryptsToTheCertificate()
    {
        var v = Vectors["aead_aes_gcm"]![1]!;
        var pem = AeadAes256Gcm.Decrypt((string)v["apiv3_key"]!, (string)v["nonce"]!, (string)v["associated_data"]!,
            (string)v["ciphertext_b64"]!);
        pem.ShouldBe((string)v["plaintext"]!);
        using var certificate = X509Certificate2.CreateFromPem(pem);
        certificate.SerialNumber.ShouldBe("5DEA10EF55877E3CF6C33255C2E7DEFFF7E427EC");
        // The certificate form of a platform key loads as a verifying key too.
        using var key = WeChatPayKeys.PlatformKey(pem);
        key.KeySize.ShouldBe(2048);
    }

    [Fact]
    public void CreateRequest_SerializesToThePublishedShape()
    {
        var sample = Transfer["create_request"]!["sample"]!;
        var request = new CreateTransferBillRequest(
            (string)sample["appid"]!, (string)sample["out_bill_no"]!, (string)sample["transfer_scene_id"]!,
            (string)sample["openid"]!, (string)sample["user_name"]!, (long)sample["transfer_amount"]!,
            (string)sample["transfer_remark"]!, (string)sample["notify_url"]!, (string)sample["user_recv_perception"]!,
            [new("活动名称", "新会员有礼"), new("奖励说明", "注册会员抽奖一等奖")]);
        var json = JsonSerializer.Serialize(request, TransferBills.Json);
        JsonNode.DeepEquals(JsonNode.Parse(json), sample).ShouldBeTrue(json);
        // Field order as in the official example, and CJK as written.
        json.ShouldStartWith("{\"appid\":\"wxf636efh567hg4356\",\"out_bill_no\":\"plfk2020042013\",\"transfer_scene_id\":\"1000\"");
        json.ShouldContain("\"transfer_remark\":\"2020年4月报销\"");

        var optionalLeftOut = JsonSerializer.Serialize(request with { UserName = null, NotifyUrl = null }, TransferBills.Json);
        optionalLeftOut.ShouldNotContain("user_name");
        optionalLeftOut.ShouldNotContain("notify_url");
    }

    [Fact]
    public void CreateResponse_MapsToAResult()
    {
        var sample = Transfer["create_response"]!["sample"]!;
        var bill = JsonSerializer.Deserialize<TransferBill>(sample.ToJsonString(), TransferBills.Json)!;
        var result = TransferBills.ToResult(bill, "plfk2020042013");
        result.ShouldBe(new TransferResult("plfk2020042013", TransferState.Accepted, "1330000071100999991182020050700019480001",
            "affffddafdfafddffda==", null, DateTimeOffset.Parse("2015-05-20T13:29:35.120+08:00", System.Globalization.CultureInfo.InvariantCulture)));
        Should.Throw<TransferOutcomeUnknownException>(() => TransferBills.ToResult(bill, "another"));
    }

    [Fact]
    public void QueryCancelAndNotifyShapes_MapToResults()
    {
        var query = JsonSerializer.Deserialize<TransferBill>(Transfer["query_response"]!["sample"]!.ToJsonString(), TransferBills.Json)!;
        query.MchId.ShouldBe("1900001109");
        query.TransferAmount.ShouldBe(400000);
        TransferBills.ToResult(query, "plfk2020042013").State.ShouldBe(TransferState.Accepted);

        var cancel = JsonSerializer.Deserialize<TransferBill>(Transfer["cancel_response"]!["sample"]!.ToJsonString(), TransferBills.Json)!;
        TransferBills.ToResult(cancel, "plfk2020042013").State.ShouldBe(TransferState.Canceling);

        var notify = Transfer["notify_resource_plaintext"]!["sample"]!.AsObject().DeepClone().AsObject();
        notify["state"] = "FAIL";
        var failed = JsonSerializer.Deserialize<TransferBill>(notify.ToJsonString(), TransferBills.Json)!;
        failed.MchIdInNotification.ShouldBe("1900001109");
        var result = TransferBills.ToResult(failed, "plfk2020042013");
        result.State.ShouldBe(TransferState.Fail);
        result.FailReason.ShouldBe("PAYEE_ACCOUNT_ABNORMAL");
    }

    [Fact]
    public void EveryPublishedState_MapsBothWays()
    {
        var states = Transfer["states"]!.AsObject().Select(p => p.Key).ToList();
        states.Count.ShouldBe(8);
        foreach (var name in states) TransferBills.StateName(TransferBills.ParseState(name)).ShouldBe(name);
        Should.Throw<TransferOutcomeUnknownException>(() => TransferBills.ParseState("SOMETHING_NEW"));
    }

    [Fact]
    public void EveryPublishedFailReason_HasItsOwnMessage_InBothLanguages()
    {
        var codes = Transfer["fail_reasons_official"]!.AsArray().Select(c => (string)c!)
            .Concat(Vectors["transfer"]!["batch_transfer_legacy_api"]!["fail_reason_enum"]!.AsArray().Select(c => (string)c!))
            .Distinct().ToList();
        codes.Count.ShouldBeGreaterThan(30);
        foreach (var code in codes)
        {
            TransferFailReasons.IsKnown(code).ShouldBeTrue(code);
            TransferFailReasons.Describe(code).ShouldNotBe(TransferFailReasons.Describe("NO_SUCH_CODE_" + code));
            TransferFailReasons.Describe(code, english: true).ShouldNotContain(code);
            TransferFailReasons.Describe(code).ShouldNotBe(TransferFailReasons.Describe(code, english: true));
        }
        TransferFailReasons.Describe("ACCOUNT_FROZEN").ShouldBe("收款用户的微信支付账户已被冻结");
        TransferFailReasons.Describe("ACCOUNT_FROZEN", english: true).ShouldBe("The payee's WeChat Pay account is frozen.");
        TransferFailReasons.Describe("BRAND_NEW_REASON", english: true).ShouldBe("The transfer failed (BRAND_NEW_REASON).");
        TransferFailReasons.Describe(null).ShouldBe("转账失败");
    }
}
