namespace Guidelink.Core.Features.Payouts;

/// <summary>A transfer's state as the provider reports it. The names follow WeChat Pay's transfer bills
/// (ACCEPTED … CANCELLED); <see cref="NotFound"/> is a query's answer for a bill the provider never received.</summary>
public enum TransferState { Accepted, Processing, WaitUserConfirm, Transfering, Success, Fail, Canceling, Cancelled, NotFound }

/// <summary>One brand's merchant settings, decrypted for the duration of one provider call. Never logged, never
/// returned by the API (<see cref="ToString"/> hides every secret).</summary>
/// <param name="MchId">WeChat Pay merchant id (mchid).</param>
/// <param name="AppId">The official account's appid the partners' openids belong to.</param>
/// <param name="AppSecret">The official account's AppSecret (snsapi_base code → openid, JS-SDK signature).</param>
/// <param name="CertificateSerialNo">Serial number of the merchant API certificate (signs our requests).</param>
/// <param name="PrivateKeyPem">The merchant API private key (PKCS#8 PEM).</param>
/// <param name="ApiV3Key">The 32-byte APIv3 key (callback resource decryption).</param>
/// <param name="PlatformKeyId">The serial (certificate) or id (public key, "PUB_KEY_ID_…") WeChat Pay signs with.</param>
/// <param name="PlatformPublicKeyPem">WeChat Pay's platform public key (PEM): verifies answers and callbacks,
/// encrypts user_name.</param>
/// <param name="TransferSceneId">transfer_scene_id: commission is 佣金报酬, "1005".</param>
/// <param name="SceneReportInfos">transfer_scene_report_infos: for 1005, 岗位类型 and 报酬说明.</param>
/// <param name="UserRecvPerception">user_recv_perception: for 1005, "劳务报酬".</param>
/// <param name="NotifyUrl">Where WeChat Pay sends MCHTRANSFER.BILL.FINISHED (…/hooks/wechatpay/{brand}).</param>
/// <param name="ApiBase">https://api.mch.weixin.qq.com in production; a local fake server in tests.</param>
public sealed record PayoutMerchant(
    string MchId,
    string AppId,
    string AppSecret,
    string CertificateSerialNo,
    string PrivateKeyPem,
    string ApiV3Key,
    string PlatformKeyId,
    string PlatformPublicKeyPem,
    string TransferSceneId,
    IReadOnlyList<SceneReportInfo> SceneReportInfos,
    string UserRecvPerception,
    string? NotifyUrl,
    Uri ApiBase)
{
    public override string ToString() => $"PayoutMerchant {{ MchId = {MchId}, AppId = {AppId}, secrets hidden }}";
}

/// <summary>One transfer_scene_report_infos item, e.g. ("岗位类型", "兼职导购").</summary>
public sealed record SceneReportInfo(string InfoType, string InfoContent);

/// <summary>What we ask a provider to pay. <paramref name="OutBillNo"/> is ours, committed before the first call and
/// reused for every retry; <paramref name="AmountFen"/> is the net transfer (gross − tax − fee);
/// <paramref name="RealName"/> is set when the amount reaches the real-name threshold (¥2,000) and is encrypted by
/// the provider (RSA-OAEP); <paramref name="Remark"/> is at most 32 characters.</summary>
public sealed record PayoutTransfer(string OutBillNo, string OpenId, long AmountFen, string Remark, string? RealName);

/// <summary>A provider's answer. <paramref name="PackageInfo"/> is what the partner's page hands to the WeChat JS
/// bridge (requestMerchantTransfer) to confirm receipt in state WaitUserConfirm; <paramref name="FailReason"/> is the
/// provider's code (e.g. "ACCOUNT_FROZEN").</summary>
public sealed record TransferResult(
    string OutBillNo,
    TransferState State,
    string? TransferBillNo = null,
    string? PackageInfo = null,
    string? FailReason = null,
    DateTimeOffset? UpdatedAt = null);

/// <summary>A verified, decrypted state notification (WeChat Pay's MCHTRANSFER.BILL.FINISHED). The same event may
/// arrive twice or out of order; the caller applies it idempotently.</summary>
public sealed record TransferNotification(string EventId, TransferResult Result);

/// <summary>Thrown when a call's outcome is unknown (timeout, connection reset, 5xx, an answer whose signature
/// cannot be checked): the bill may or may not exist, so the caller sends the same bill again (same out_bill_no) or
/// queries it later, and never makes a new one.</summary>
public sealed class TransferOutcomeUnknownException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Thrown when the provider refused the request for good (4xx with a business error such as PARAM_ERROR or
/// NOT_ENOUGH): no bill was made, the withdrawal fails and the amount returns to Available.</summary>
public sealed class TransferRejectedException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>Pays a withdrawal to a wallet or account. Implementations: WeChatPayTransfer (in Guidelink.WeChat,
/// the transfer-bills API) and Manual (a bank-transfer file, marked paid from the bank's result).</summary>
public interface IPayoutProvider
{
    /// <summary>"WeChatPayTransfer" or "Manual": the brand setting that selects it.</summary>
    string Kind { get; }

    /// <summary>Creates the bill, or re-sends the same bill after an unknown outcome (same out_bill_no: the provider
    /// answers with the existing bill's state and package info instead of paying twice).</summary>
    Task<TransferResult> SendAsync(PayoutMerchant merchant, PayoutTransfer transfer, CancellationToken ct);

    /// <summary>The bill's current state by our out_bill_no; <see cref="TransferState.NotFound"/> if never received.</summary>
    Task<TransferResult> QueryAsync(PayoutMerchant merchant, string outBillNo, CancellationToken ct);

    /// <summary>Asks to cancel a bill that the partner has not confirmed yet (answer: Canceling or Cancelled).</summary>
    Task<TransferResult> CancelAsync(PayoutMerchant merchant, string outBillNo, CancellationToken ct);

    /// <summary>Verifies a notification's signature (Wechatpay-Signature/-Timestamp/-Nonce/-Serial headers over the raw
    /// body) and decrypts its resource; throws <see cref="System.Security.SecurityException"/> when it does not verify.</summary>
    TransferNotification ParseNotification(PayoutMerchant merchant, IReadOnlyDictionary<string, string> headers, string body);
}

/// <summary>WeChat web authorization (OAuth 2.0, scope snsapi_base) of the official account: how a partner binds the
/// openid that transfers are paid to. Implemented in Guidelink.WeChat; base addresses come from configuration so tests
/// use a local fake server.</summary>
public interface IWeChatIdentity
{
    /// <summary>The page to send the partner's browser to (open.weixin.qq.com/connect/oauth2/authorize …
    /// scope=snsapi_base … #wechat_redirect); WeChat returns to <paramref name="redirectUri"/> with code and state.</summary>
    Uri AuthorizeUrl(PayoutMerchant merchant, Uri redirectUri, string state);

    /// <summary>Exchanges the one-time code for the partner's openid (sns/oauth2/access_token with the AppSecret).
    /// Throws <see cref="TransferRejectedException"/> with WeChat's errcode when the code is invalid or used.</summary>
    Task<string> ExchangeCodeAsync(PayoutMerchant merchant, string code, CancellationToken ct);
}
