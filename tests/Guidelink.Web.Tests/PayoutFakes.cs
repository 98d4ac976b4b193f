using System.Collections.Concurrent;
using System.Security;
using System.Text.Json;
using Guidelink.Core.Features.Payouts;

namespace Guidelink.Web.Tests;

/// <summary>An in-test WeChat Pay: keeps bills by out_bill_no like the real one (a re-send of a known bill answers
/// with that bill instead of paying twice), and can be told how to answer the next sends.</summary>
internal sealed class FakePayoutProvider : IPayoutProvider
{
    public enum Next { Answer, UnknownBeforeReceipt, UnknownAfterReceipt, Reject }

    public sealed record Plan(Next What, TransferState State = TransferState.Accepted, string? Code = null, string? Package = null);

    private readonly ConcurrentDictionary<string, int> _inFlight = new();

    public string Kind => PayoutSettings.WeChatPayTransfer;
    public ConcurrentDictionary<string, TransferResult> Bills { get; } = new();
    public ConcurrentQueue<PayoutTransfer> Sends { get; } = new();
    public ConcurrentQueue<Plan> Plans { get; } = new();
    public TransferState DefaultState { get; set; } = TransferState.Accepted;
    public TimeSpan Delay { get; set; } = TimeSpan.Zero;
    /// <summary>Calls for the same bill that overlapped in time (two senders at once).</summary>
    public int OverlappingSends;
    public int Queries;
    public PayoutMerchant? LastMerchant { get; private set; }

    public async Task<TransferResult> SendAsync(PayoutMerchant merchant, PayoutTransfer transfer, CancellationToken ct)
    {
        LastMerchant = merchant;
        Sends.Enqueue(transfer);
        if (_inFlight.AddOrUpdate(transfer.OutBillNo, 1, (_, n) => n + 1) > 1) Interlocked.Increment(ref OverlappingSends);
        try
        {
            if (Delay > TimeSpan.Zero) await Task.Delay(Delay, ct);
            var plan = Plans.TryDequeue(out var p) ? p : new Plan(Next.Answer, DefaultState);
            switch (plan.What)
            {
                case Next.UnknownBeforeReceipt: throw new TransferOutcomeUnknownException("timeout");
                case Next.UnknownAfterReceipt:
                    Bills.TryAdd(transfer.OutBillNo, new TransferResult(transfer.OutBillNo, TransferState.Accepted, "T" + transfer.OutBillNo));
                    throw new TransferOutcomeUnknownException("502 Bad Gateway");
                case Next.Reject: throw new TransferRejectedException(plan.Code ?? "NOT_ENOUGH", "refused");
            }
            return Bills.GetOrAdd(transfer.OutBillNo, b => new TransferResult(b, plan.State, "T" + b, plan.Package));
        }
        finally
        {
            _inFlight.AddOrUpdate(transfer.OutBillNo, 0, (_, n) => n - 1);
        }
    }

    public Task<TransferResult> QueryAsync(PayoutMerchant merchant, string outBillNo, CancellationToken ct)
    {
        Interlocked.Increment(ref Queries);
        return Task.FromResult(Bills.TryGetValue(outBillNo, out var bill) ? bill : new TransferResult(outBillNo, TransferState.NotFound));
    }

    public Task<TransferResult> CancelAsync(PayoutMerchant merchant, string outBillNo, CancellationToken ct) =>
        Task.FromResult(Bills.AddOrUpdate(outBillNo, b => new TransferResult(b, TransferState.Cancelled), (_, b) => b with { State = TransferState.Cancelled }));

    /// <summary>"Signed" when the Wechatpay-Signature header says "good"; the body is
    /// {"id","out_bill_no","state","fail_reason"}.</summary>
    public TransferNotification ParseNotification(PayoutMerchant merchant, IReadOnlyDictionary<string, string> headers, string body)
    {
        if (!headers.TryGetValue("Wechatpay-Signature", out var signature) || signature != "good") throw new SecurityException("bad signature");
        var json = JsonDocument.Parse(body).RootElement;
        var state = Enum.Parse<TransferState>(json.GetProperty("state").GetString()!, true);
        var fail = json.TryGetProperty("fail_reason", out var f) ? f.GetString() : null;
        return new TransferNotification(json.GetProperty("id").GetString()!, new TransferResult(json.GetProperty("out_bill_no").GetString()!, state, FailReason: fail));
    }

    /// <summary>What a notification body looks like after decryption (the fake does not encrypt).</summary>
    public static object Notification(string bill, string state, string? fail = null) => new { id = Guid.NewGuid().ToString(), out_bill_no = bill, state, fail_reason = fail };
}

/// <summary>WeChat web authorization in a test: code "good-code" is worth openid "o-partner-1"; any other code is refused.</summary>
internal sealed class FakeWeChatIdentity : IWeChatIdentity
{
    public Uri AuthorizeUrl(PayoutMerchant merchant, Uri redirectUri, string state) =>
        new($"https://open.weixin.qq.com/connect/oauth2/authorize?appid={merchant.AppId}&redirect_uri={Uri.EscapeDataString(redirectUri.ToString())}&response_type=code&scope=snsapi_base&state={state}#wechat_redirect");

    public Task<string> ExchangeCodeAsync(PayoutMerchant merchant, string code, CancellationToken ct) =>
        code == "good-code" ? Task.FromResult("o-partner-1") : throw new TransferRejectedException("40029", "invalid code");
}
