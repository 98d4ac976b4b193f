using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;
using Guidelink.Core.Features.Payouts;

namespace Guidelink.WeChat.Pay;

/// <summary>POST /v3/fund-app/mch-transfer/transfer-bills (商家转账, user-confirm mode). Amount in fen.</summary>
public sealed record CreateTransferBillRequest(
    [property: JsonPropertyName("appid")] string AppId,
    [property: JsonPropertyName("out_bill_no")] string OutBillNo,
    [property: JsonPropertyName("transfer_scene_id")] string TransferSceneId,
    [property: JsonPropertyName("openid")] string OpenId,
    [property: JsonPropertyName("user_name")] string? UserName,
    [property: JsonPropertyName("transfer_amount")] long TransferAmount,
    [property: JsonPropertyName("transfer_remark")] string TransferRemark,
    [property: JsonPropertyName("notify_url")] string? NotifyUrl,
    [property: JsonPropertyName("user_recv_perception")] string? UserRecvPerception,
    [property: JsonPropertyName("transfer_scene_report_infos")] IReadOnlyList<TransferSceneReportInfo>? TransferSceneReportInfos);

public sealed record TransferSceneReportInfo(
    [property: JsonPropertyName("info_type")] string InfoType,
    [property: JsonPropertyName("info_content")] string InfoContent);

/// <summary>A bill as WeChat Pay describes it: the create and cancel answers, the query answer and the decrypted
/// MCHTRANSFER.BILL.FINISHED resource all use these names (each carries a subset).</summary>
public sealed record TransferBill
{
    [JsonPropertyName("mch_id")] public string? MchId { get; init; }
    // The notification resource spells the merchant id "mchid".
    [JsonPropertyName("mchid")] public string? MchIdInNotification { get; init; }
    [JsonPropertyName("appid")] public string? AppId { get; init; }
    [JsonPropertyName("out_bill_no")] public string? OutBillNo { get; init; }
    [JsonPropertyName("transfer_bill_no")] public string? TransferBillNo { get; init; }
    [JsonPropertyName("state")] public string? State { get; init; }
    [JsonPropertyName("fail_reason")] public string? FailReason { get; init; }
    [JsonPropertyName("package_info")] public string? PackageInfo { get; init; }
    [JsonPropertyName("transfer_amount")] public long? TransferAmount { get; init; }
    [JsonPropertyName("transfer_remark")] public string? TransferRemark { get; init; }
    [JsonPropertyName("openid")] public string? OpenId { get; init; }
    [JsonPropertyName("user_name")] public string? UserName { get; init; }
    [JsonPropertyName("create_time")] public string? CreateTime { get; init; }
    [JsonPropertyName("update_time")] public string? UpdateTime { get; init; }
}

/// <summary>An APIv3 error answer: <c>{"code":"PARAM_ERROR","message":"…"}</c>.</summary>
public sealed record WeChatPayError(
    [property: JsonPropertyName("code")] string? Code,
    [property: JsonPropertyName("message")] string? Message);

/// <summary>A notification envelope; the bill is in the encrypted resource.</summary>
public sealed record WeChatPayNotification(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("create_time")] string? CreateTime,
    [property: JsonPropertyName("event_type")] string? EventType,
    [property: JsonPropertyName("resource_type")] string? ResourceType,
    [property: JsonPropertyName("summary")] string? Summary,
    [property: JsonPropertyName("resource")] WeChatPayNotificationResource? Resource);

public sealed record WeChatPayNotificationResource(
    [property: JsonPropertyName("algorithm")] string? Algorithm,
    [property: JsonPropertyName("ciphertext")] string? Ciphertext,
    [property: JsonPropertyName("associated_data")] string? AssociatedData,
    [property: JsonPropertyName("original_type")] string? OriginalType,
    [property: JsonPropertyName("nonce")] string? Nonce);

/// <summary>Wire names and the typed mapping of transfer bills.</summary>
public static class TransferBills
{
    public const string CreatePath = "/v3/fund-app/mch-transfer/transfer-bills";
    public const string FinishedEvent = "MCHTRANSFER.BILL.FINISHED";

    public static string QueryPath(string outBillNo) => $"{CreatePath}/out-bill-no/{Uri.EscapeDataString(outBillNo)}";
    public static string CancelPath(string outBillNo) => $"{QueryPath(outBillNo)}/cancel";

    /// <summary>snake_case wire JSON; nulls omitted (optional fields are left out, not sent as null); CJK written as
    /// is rather than \u-escaped (the signature covers whatever bytes are sent, so both are valid).</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
    };

    /// <summary>The state names of the transfer-bills API. An unknown name is not guessed at: the outcome is unknown.</summary>
    public static TransferState ParseState(string? state) => state switch
    {
        "ACCEPTED" => TransferState.Accepted,
        "PROCESSING" => TransferState.Processing,
        "WAIT_USER_CONFIRM" => TransferState.WaitUserConfirm,
        "TRANSFERING" => TransferState.Transfering,
        "SUCCESS" => TransferState.Success,
        "FAIL" => TransferState.Fail,
        "CANCELING" => TransferState.Canceling,
        "CANCELLED" => TransferState.Cancelled,
        _ => throw new TransferOutcomeUnknownException($"WeChat Pay answered an unknown bill state '{state}'."),
    };

    public static string StateName(TransferState state) => state switch
    {
        TransferState.Accepted => "ACCEPTED",
        TransferState.Processing => "PROCESSING",
        TransferState.WaitUserConfirm => "WAIT_USER_CONFIRM",
        TransferState.Transfering => "TRANSFERING",
        TransferState.Success => "SUCCESS",
        TransferState.Fail => "FAIL",
        TransferState.Canceling => "CANCELING",
        TransferState.Cancelled => "CANCELLED",
        TransferState.NotFound => "NOT_FOUND",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    /// <summary>Maps a bill to the contract's result. fail_reason is kept only for FAIL: WeChat's samples carry one on
    /// other states too, and a reason on a bill that has not failed would only mislead.</summary>
    public static TransferResult ToResult(TransferBill bill, string expectedOutBillNo)
    {
        ArgumentNullException.ThrowIfNull(bill);
        if (!string.Equals(bill.OutBillNo, expectedOutBillNo, StringComparison.Ordinal))
            throw new TransferOutcomeUnknownException($"WeChat Pay answered for bill '{bill.OutBillNo}', not '{expectedOutBillNo}'.");
        var state = ParseState(bill.State);
        return new TransferResult(
            expectedOutBillNo,
            state,
            bill.TransferBillNo,
            bill.PackageInfo,
            state == TransferState.Fail ? bill.FailReason : null,
            ParseTime(bill.UpdateTime) ?? ParseTime(bill.CreateTime));
    }

    /// <summary>RFC 3339 with offset, e.g. 2015-05-20T13:29:35.120+08:00.</summary>
    public static DateTimeOffset? ParseTime(string? value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time) ? time : null;
}
