using System.Net;
using System.Net.Http.Headers;
using System.Security;
using System.Text;
using System.Text.Json;
using Guidelink.Core.Features.Payouts;

namespace Guidelink.WeChat.Pay;

/// <summary>The transfer-bills API over one HttpClient: signs each request with the merchant key, waits for the
/// merchant's rate-limit permit, verifies each answer with the platform key and sorts the outcome:
/// <list type="bullet">
/// <item>2xx, verified → the bill;</item>
/// <item>timeout, connection failure, 5xx, 429 FREQUENCY_LIMITED, or an answer that does not verify →
/// <see cref="TransferOutcomeUnknownException"/> (the bill may or may not exist: re-send the same out_bill_no or query);</item>
/// <item>other 4xx → <see cref="TransferRejectedException"/> with WeChat's code.</item>
/// </list></summary>
public sealed class TransferBillsClient(HttpClient http, TimeProvider clock, WeChatPayRateLimiter limiter)
{
    private const string UserAgent = "Guidelink-WeChatPay/1.0";
    private readonly WeChatPayVerifier _verifier = new(clock);

    public async Task<TransferBill> CreateAsync(PayoutMerchant merchant, CreateTransferBillRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = JsonSerializer.Serialize(request, TransferBills.Json);
        // Wechatpay-Serial names the key user_name was encrypted with; sent only when there is an encrypted field.
        var serial = request.UserName is null ? null : merchant.PlatformKeyId;
        var answer = await SendAsync(merchant, HttpMethod.Post, TransferBills.CreatePath, body, serial, ct);
        return Bill(answer);
    }

    /// <summary>The bill by out_bill_no, or null when WeChat Pay answers (signed) 404 NOT_FOUND: it never received it.</summary>
    public async Task<TransferBill?> QueryAsync(PayoutMerchant merchant, string outBillNo, CancellationToken ct)
    {
        var answer = await SendAsync(merchant, HttpMethod.Get, TransferBills.QueryPath(outBillNo), null, null, ct);
        return NotFound(answer) ? null : Bill(answer);
    }

    /// <summary>Asks to cancel; null when WeChat Pay answers (signed) 404 NOT_FOUND: there is no such bill.</summary>
    public async Task<TransferBill?> CancelAsync(PayoutMerchant merchant, string outBillNo, CancellationToken ct)
    {
        var answer = await SendAsync(merchant, HttpMethod.Post, TransferBills.CancelPath(outBillNo), "", null, ct);
        return NotFound(answer) ? null : Bill(answer);
    }

    private static bool NotFound(Answer answer)
    {
        if (answer.Status != HttpStatusCode.NotFound || answer.Error?.Code != "NOT_FOUND") return false;
        // "Never received" decides that a withdrawal may be failed and re-issued, so it must be WeChat's word.
        return answer.Verified
            ? true
            : throw new TransferOutcomeUnknownException("WeChat Pay's NOT_FOUND answer carries no valid signature.");
    }

    private static TransferBill Bill(Answer answer)
    {
        if ((int)answer.Status is >= 200 and < 300)
        {
            try
            {
                return JsonSerializer.Deserialize<TransferBill>(answer.Body, TransferBills.Json)
                    ?? throw new TransferOutcomeUnknownException("WeChat Pay answered an empty body.");
            }
            catch (JsonException e)
            {
                throw new TransferOutcomeUnknownException("WeChat Pay answered a body that is not a bill.", e);
            }
        }
        var code = answer.Error?.Code ?? $"HTTP_{(int)answer.Status}";
        throw new TransferRejectedException(code, $"WeChat Pay refused the request: {code} {answer.Error?.Message}".TrimEnd());
    }

    private async Task<Answer> SendAsync(PayoutMerchant merchant, HttpMethod method, string pathAndQuery, string? body,
        string? wechatpaySerial, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(merchant);
        await limiter.AcquireAsync(merchant.MchId, ct);

        var uri = new Uri(merchant.ApiBase, pathAndQuery);
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        var nonce = WeChatPaySignature.NewNonce();
        string signature;
        using (var key = WeChatPayKeys.PrivateKey(merchant.PrivateKeyPem))
            signature = WeChatPaySignature.Sign(key,
                WeChatPaySignature.RequestMessage(method.Method, WeChatPaySignature.CanonicalUrl(uri), timestamp, nonce, body ?? ""));

        using var request = new HttpRequestMessage(method, uri);
        request.Headers.TryAddWithoutValidation("Authorization",
            WeChatPaySignature.Authorization(merchant.MchId, nonce, timestamp, merchant.CertificateSerialNo, signature));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        // WeChat Pay refuses APIv3 requests without a User-Agent.
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        if (wechatpaySerial is not null) request.Headers.TryAddWithoutValidation(WeChatPayVerifier.SerialHeader, wechatpaySerial);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        HttpStatusCode status;
        string text;
        Func<string, string?> header;
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
            status = response.StatusCode;
            text = await response.Content.ReadAsStringAsync(ct);
            header = name => response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
            // Read the headers now: the response is disposed when this block ends.
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var name in new[] { WeChatPayVerifier.SerialHeader, WeChatPayVerifier.TimestampHeader, WeChatPayVerifier.NonceHeader, WeChatPayVerifier.SignatureHeader })
                if (header(name) is { } value) headers[name] = value;
            header = name => headers.TryGetValue(name, out var value) ? value : null;
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new TransferOutcomeUnknownException($"WeChat Pay did not answer {method} {pathAndQuery} in time.", e);
        }
        catch (HttpRequestException e)
        {
            throw new TransferOutcomeUnknownException($"The connection to WeChat Pay failed during {method} {pathAndQuery}.", e);
        }
        catch (IOException e)
        {
            throw new TransferOutcomeUnknownException($"The connection to WeChat Pay failed during {method} {pathAndQuery}.", e);
        }

        if ((int)status >= 500)
            throw new TransferOutcomeUnknownException($"WeChat Pay answered {(int)status} to {method} {pathAndQuery}: {Error(text)?.Code}");
        if (status == HttpStatusCode.TooManyRequests)
            // FREQUENCY_LIMITED: not accepted this time; the same bill is to be sent again later, never failed.
            throw new TransferOutcomeUnknownException($"WeChat Pay rate-limited {method} {pathAndQuery} (FREQUENCY_LIMITED).");

        var signed = header(WeChatPayVerifier.SignatureHeader) is not null;
        var verified = false;
        if (signed || (int)status is >= 200 and < 300)
        {
            try
            {
                _verifier.Verify(merchant, header, text);
                verified = true;
            }
            catch (SecurityException e)
            {
                // A successful answer we cannot check tells us nothing; a signed error that does not verify is not
                // WeChat's word either.
                throw new TransferOutcomeUnknownException($"WeChat Pay's answer to {method} {pathAndQuery} does not verify: {e.Message}", e);
            }
        }
        return new Answer(status, text, verified, (int)status >= 400 ? Error(text) : null);
    }

    private static WeChatPayError? Error(string body)
    {
        try
        {
            return string.IsNullOrWhiteSpace(body) ? null : JsonSerializer.Deserialize<WeChatPayError>(body, TransferBills.Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record Answer(HttpStatusCode Status, string Body, bool Verified, WeChatPayError? Error);
}
