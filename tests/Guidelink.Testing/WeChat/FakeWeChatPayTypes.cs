using System.Security.Cryptography;

namespace Guidelink.Testing.WeChat;

/// <summary>Who the fake is. Every key is generated when not given; tests that want fixed keys pass their own.</summary>
public sealed class FakeWeChatPayOptions
{
    public string MchId { get; init; } = "1900000109";
    public string AppId { get; init; } = "wxfake0000000001";
    public string AppSecret { get; init; } = RandomNumberGenerator.GetHexString(32, lowercase: true);
    public string ApiV3Key { get; init; } = RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 32);
    public string MerchantSerialNo { get; init; } = RandomNumberGenerator.GetHexString(40);
    public string PlatformKeyId { get; init; } = "PUB_KEY_ID_" + RandomNumberGenerator.GetHexString(32);

    /// <summary>The merchant API key pair: the fake verifies request signatures with its public half and hands the
    /// private half to tests through <see cref="FakeWeChatPayServer.Merchant"/>.</summary>
    public RSA? MerchantKey { get; init; }

    /// <summary>The platform key pair: the fake signs answers and notifications and decrypts user_name with it.</summary>
    public RSA? PlatformKey { get; init; }

    /// <summary>The fake's clock (answer timestamps, request timestamp check, bill times).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>The state a new bill starts in (WAIT_USER_CONFIRM, as WeChat answers in user-confirm mode; ACCEPTED
    /// or PROCESSING to model a slow bill).</summary>
    public string InitialState { get; init; } = "WAIT_USER_CONFIRM";
}

/// <summary>One misbehaviour, applied to the next WeChat Pay request the fake receives (create, query or cancel),
/// in the order they were queued. <see cref="AfterAccept"/>: the request takes effect (the bill is created, the cancel
/// applied) before the misbehaviour, so the bill exists but the answer is lost.</summary>
public sealed record FakeFault(FakeFaultKind Kind, bool AfterAccept = false, TimeSpan Delay = default, int Status = 0, string? Code = null)
{
    /// <summary>Answer normally after <paramref name="by"/>.</summary>
    public static FakeFault Slow(TimeSpan by) => new(FakeFaultKind.Delay, Delay: by);

    /// <summary>500 SYSTEM_ERROR.</summary>
    public static FakeFault ServerError(bool afterAccept = false) => new(FakeFaultKind.ServerError, afterAccept);

    /// <summary>Never answer (until the client gives up or the fake is disposed).</summary>
    public static FakeFault Hang(bool afterAccept = false) => new(FakeFaultKind.Hang, afterAccept);

    /// <summary>Accept, then reset the connection: the bill exists, the answer is lost.</summary>
    public static FakeFault AcceptThenDrop() => new(FakeFaultKind.Drop, AfterAccept: true);

    /// <summary>A business refusal, e.g. (403, "NOT_ENOUGH") or (429, "FREQUENCY_LIMITED"); nothing takes effect.</summary>
    public static FakeFault Reject(int status, string code) => new(FakeFaultKind.Reject, Status: status, Code: code);

    /// <summary>Answer normally but change the body after signing it.</summary>
    public static FakeFault TamperedAnswer() => new(FakeFaultKind.TamperedAnswer, AfterAccept: true);

    /// <summary>Answer signed correctly but naming another platform key in Wechatpay-Serial.</summary>
    public static FakeFault WrongSerial() => new(FakeFaultKind.WrongSerial, AfterAccept: true);

    /// <summary>Answer signed correctly but with a Wechatpay-Timestamp six minutes old.</summary>
    public static FakeFault StaleAnswer() => new(FakeFaultKind.StaleAnswer, AfterAccept: true);

    /// <summary>Answer signed with a key that is not the platform key (a forger who knows the serial).</summary>
    public static FakeFault ForgedAnswer() => new(FakeFaultKind.ForgedAnswer, AfterAccept: true);

    /// <summary>Answer without any Wechatpay-* signature headers.</summary>
    public static FakeFault UnsignedAnswer() => new(FakeFaultKind.UnsignedAnswer, AfterAccept: true);
}

public enum FakeFaultKind { Delay, ServerError, Hang, Drop, Reject, TamperedAnswer, WrongSerial, StaleAnswer, ForgedAnswer, UnsignedAnswer }

/// <summary>A bill as the fake holds it (a snapshot; the fake replaces it on every change). <see cref="UserName"/> is
/// the decrypted real name.</summary>
public sealed record FakeBill(
    string OutBillNo,
    string TransferBillNo,
    string AppId,
    string OpenId,
    long AmountFen,
    string Remark,
    string? UserName,
    string? NotifyUrl,
    string TransferSceneId,
    string? UserRecvPerception,
    string State,
    string? FailReason,
    string PackageInfo,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string RequestBody)
{
    public bool IsFinal => State is "SUCCESS" or "FAIL" or "CANCELLED";
}

/// <summary>One request the fake received, with the verdict on its signature. <see cref="ReceivedAt"/> is real time
/// (what WeChat's rate limit counts), whatever the fake's clock.</summary>
public sealed record FakeRequest(
    string Method,
    string Target,
    string Body,
    string? WechatpaySerial,
    bool SignatureValid,
    string? SignatureProblem,
    DateTimeOffset ReceivedAt);

/// <summary>A signed, encrypted MCHTRANSFER.BILL.FINISHED notification, as WeChat Pay would POST it. Sending the same
/// instance twice is a duplicate delivery (same id); building two and sending them in reverse is out of order.</summary>
public sealed record FakeNotification(string EventId, string OutBillNo, string State, IReadOnlyDictionary<string, string> Headers, string Body);
