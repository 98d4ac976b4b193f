using System.Security;
using System.Security.Cryptography;
using System.Text.Json;
using Guidelink.Core.Features.Payouts;
using Microsoft.Extensions.Logging;

namespace Guidelink.WeChat.Pay;

/// <summary>Pays withdrawals to partners' WeChat wallets with the transfer-bills API (商家转账, user-confirm mode).
/// Thread-safe singleton; merchant settings come with every call.</summary>
public sealed class WeChatPayTransferProvider(
    IHttpClientFactory httpClients,
    TimeProvider clock,
    WeChatPayRateLimiter limiter,
    ILogger<WeChatPayTransferProvider> logger) : IPayoutProvider
{
    public const string HttpClientName = "Guidelink.WeChatPay";
    public const string KindName = "WeChatPayTransfer";

    /// <summary>transfer_remark: "UTF8编码,最多允许32个字符".</summary>
    public const int MaxRemarkLength = 32;

    private readonly WeChatPayVerifier _verifier = new(clock);

    public string Kind => KindName;

    private TransferBillsClient Client() => new(httpClients.CreateClient(HttpClientName), clock, limiter);

    public async Task<TransferResult> SendAsync(PayoutMerchant merchant, PayoutTransfer transfer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(merchant);
        ArgumentNullException.ThrowIfNull(transfer);
        // Refused here, before anything is sent: no bill can exist, so the withdrawal may fail for good.
        // Length counts UTF-16 units, which is never less than the characters WeChat counts.
        if (transfer.Remark.Length > MaxRemarkLength)
            throw new TransferRejectedException("PARAM_ERROR", $"transfer_remark is {transfer.Remark.Length} characters; WeChat Pay allows {MaxRemarkLength}.");
        if (transfer.AmountFen <= 0)
            throw new TransferRejectedException("PARAM_ERROR", "transfer_amount must be at least 1 fen.");

        string? userName = null;
        if (transfer.RealName is { Length: > 0 } realName)
        {
            using var platformKey = WeChatPayKeys.PlatformKey(merchant.PlatformPublicKeyPem);
            userName = WeChatPayKeys.EncryptSensitive(platformKey, realName);
        }
        var request = new CreateTransferBillRequest(
            merchant.AppId,
            transfer.OutBillNo,
            merchant.TransferSceneId,
            transfer.OpenId,
            userName,
            transfer.AmountFen,
            transfer.Remark,
            string.IsNullOrEmpty(merchant.NotifyUrl) ? null : merchant.NotifyUrl,
            string.IsNullOrEmpty(merchant.UserRecvPerception) ? null : merchant.UserRecvPerception,
            merchant.SceneReportInfos.Count == 0 ? null : [.. merchant.SceneReportInfos.Select(i => new TransferSceneReportInfo(i.InfoType, i.InfoContent))]);

        var client = Client();
        TransferRejectedException refused;
        try
        {
            // A repeated create with the same out_bill_no and the same content is WeChat's "原单重试": it answers 200
            // with the existing bill (its state, and package_info while it waits for the user), never a second bill.
            var bill = await client.CreateAsync(merchant, request, ct);
            return TransferBills.ToResult(bill, transfer.OutBillNo);
        }
        catch (TransferOutcomeUnknownException e)
        {
            logger.LogWarning("WeChat Pay transfer {OutBillNo} of merchant {MchId}: outcome unknown ({Reason})",
                transfer.OutBillNo, merchant.MchId, e.Message);
            throw;
        }
        catch (TransferRejectedException e)
        {
            refused = e;
        }

        // WeChat's rule: a non-200 answer to a create does not prove there is no bill (INVALID_REQUEST "单号已存在但
        // 信息不一致", "超出重试期" both concern an existing bill). Ask for the original before failing the withdrawal.
        TransferBill? existing;
        try
        {
            existing = await client.QueryAsync(merchant, transfer.OutBillNo, ct);
        }
        catch (TransferRejectedException e)
        {
            throw new TransferOutcomeUnknownException(
                $"WeChat Pay refused bill {transfer.OutBillNo} ({refused.Code}) and then its query ({e.Code}).", e);
        }
        if (existing is null)
        {
            if (logger.IsEnabled(LogLevel.Information))
                logger.LogInformation("WeChat Pay refused transfer {OutBillNo} of merchant {MchId}: {Code}",
                    transfer.OutBillNo, merchant.MchId, refused.Code);
            throw new TransferRejectedException(refused.Code, refused.Message);
        }
        if (logger.IsEnabled(LogLevel.Warning))
            logger.LogWarning("WeChat Pay refused a re-send of {OutBillNo} ({Code}) but the bill exists in state {State}",
                transfer.OutBillNo, refused.Code, existing.State);
        return TransferBills.ToResult(existing, transfer.OutBillNo);
    }

    public async Task<TransferResult> QueryAsync(PayoutMerchant merchant, string outBillNo, CancellationToken ct)
    {
        var bill = await Client().QueryAsync(merchant, outBillNo, ct);
        return bill is null
            ? new TransferResult(outBillNo, TransferState.NotFound)
            : TransferBills.ToResult(bill, outBillNo);
    }

    public async Task<TransferResult> CancelAsync(PayoutMerchant merchant, string outBillNo, CancellationToken ct)
    {
        // A cancel of a bill WeChat never received answers NotFound, like a query: nothing to cancel, nothing paid.
        var bill = await Client().CancelAsync(merchant, outBillNo, ct);
        return bill is null
            ? new TransferResult(outBillNo, TransferState.NotFound)
            : TransferBills.ToResult(bill, outBillNo);
    }

    public TransferNotification ParseNotification(PayoutMerchant merchant, IReadOnlyDictionary<string, string> headers, string body)
    {
        ArgumentNullException.ThrowIfNull(merchant);
        ArgumentNullException.ThrowIfNull(body);
        // Signature first: nothing of an unverified body is read.
        _verifier.Verify(merchant, WeChatPayVerifier.Lookup(headers), body);

        WeChatPayNotification? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize<WeChatPayNotification>(body, TransferBills.Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException("The WeChat Pay notification is not JSON.", e);
        }
        if (envelope?.EventType != TransferBills.FinishedEvent)
            throw new InvalidDataException($"Not a transfer-bill notification: event_type '{envelope?.EventType}'.");
        var resource = envelope.Resource;
        if (resource?.Ciphertext is null || resource.Nonce is null || resource.Algorithm != "AEAD_AES_256_GCM")
            throw new InvalidDataException("The notification's resource is not AEAD_AES_256_GCM.");

        string plaintext;
        try
        {
            plaintext = AeadAes256Gcm.Decrypt(merchant.ApiV3Key, resource.Nonce, resource.AssociatedData, resource.Ciphertext);
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            throw new SecurityException("The notification's resource does not decrypt with the APIv3 key.", e);
        }
        var bill = JsonSerializer.Deserialize<TransferBill>(plaintext, TransferBills.Json)
            ?? throw new InvalidDataException("The notification's resource is empty.");
        var mchId = bill.MchIdInNotification ?? bill.MchId;
        if (mchId is not null && mchId != merchant.MchId)
            throw new SecurityException("The notification is for another merchant.");
        if (bill.OutBillNo is null) throw new InvalidDataException("The notification names no out_bill_no.");
        return new TransferNotification(envelope.Id ?? "", TransferBills.ToResult(bill, bill.OutBillNo));
    }
}
