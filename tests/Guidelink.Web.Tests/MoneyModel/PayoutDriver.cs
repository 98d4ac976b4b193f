using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Guidelink.Testing;
using Guidelink.Testing.WeChat;
using Microsoft.Extensions.Time.Testing;

namespace Guidelink.Web.Tests.MoneyModel;

/// <summary>Someone logged in (a partner or Finance) whose bearer token is renewed before the fake clock expires it.</summary>
internal sealed class Session(GuidelinkInstance server, string login, string password, FakeTimeProvider clock)
{
    private HttpClient? _client;
    private DateTimeOffset _since;

    public string Login => login;

    public async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpMethod method, string url, object? body)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (_client is null || clock.GetUtcNow() - _since > TimeSpan.FromHours(6))
            {
                _client?.Dispose();
                _client = await server.ClientAsAsync(login, password);
                _since = clock.GetUtcNow();
            }
            using var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
            using var response = await _client.SendAsync(request, TestContext.Current.CancellationToken);
            var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            if (response.StatusCode == HttpStatusCode.Unauthorized && attempt == 1)
            {
                _client.Dispose();
                _client = null;
                continue;
            }
            if (response.StatusCode == HttpStatusCode.Conflict && attempt < 10 && text.Contains("again", StringComparison.Ordinal))
            {
                await Task.Delay(attempt * 5, TestContext.Current.CancellationToken);
                continue;
            }
            return (response.StatusCode, text);
        }
    }
}

/// <summary>Sends the payout operations: withdrawals as the partner, decisions as Finance, the sender and reconciliation
/// jobs as the scheduler would run them (in process, on the shared fake clock), WeChat's bill moves and notifications
/// through the fake WeChat Pay server. Each answer is checked against what the reference model decided.</summary>
internal sealed class PayoutDriver(GuidelinkInstance server, TestDatabase database, FakeWeChatPayServer fake,
    IReadOnlyDictionary<string, Session> partners, IReadOnlyList<Session> approvers)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly string[] FailReasons = ["ACCOUNT_FROZEN", "REAL_NAME_CHECK_FAIL", "NAME_NOT_CORRECT", "OPENID_INVALID", "TRANSFER_QUOTA_EXCEED"];

    public int Sent { get; private set; }
    public int Unknown { get; private set; }
    public int Notifications { get; private set; }
    public int Reconciled { get; private set; }
    public Dictionary<string, int> Refused { get; } = new(StringComparer.Ordinal);

    public async Task SendAsync(Op op)
    {
        switch (op)
        {
            case WithdrawOp w:
                await WithdrawAsync(w, replay: false);
                break;
            case RetryOp { Original: WithdrawOp w }:
                await WithdrawAsync(w, replay: true);
                break;
            case DecideOp d:
                await DecideAsync(d);
                break;
            case SendPayoutsOp s:
                await RunSenderAsync(s.Fault);
                break;
            case BillOp b:
                await MoveBillAsync(b);
                break;
            case ReconcileOp:
                var r = await PayoutApiTests.ReconcileAsync(server, database);
                Reconciled += r.Moved;
                break;
            default:
                throw new InvalidOperationException($"No payout request for {op.GetType().Name}.");
        }
    }

    private async Task WithdrawAsync(WithdrawOp w, bool replay)
    {
        var (status, text) = await partners[w.Partner.Holder].SendAsync(HttpMethod.Post, "/api/payouts/withdrawals", new { amount = OperationGenerator.Yuan(w.GrossFen), key = w.Key });
        if (w.Expected is not { } p)
        {
            var fields = status == HttpStatusCode.BadRequest ? JsonDocument.Parse(text).RootElement.ErrorFields() : [];
            if (!fields.Contains(w.RefusedField!))
                throw new InvalidOperationException($"withdrawal {w.Key}: {(int)status} {text} (the model refuses it on '{w.RefusedField}')");
            var reason = w.RefusedField == "amount" && w.GrossFen >= 1_000 ? "available" : w.RefusedField!;
            Refused[reason] = Refused.GetValueOrDefault(reason) + 1;
            return;
        }
        if (status != HttpStatusCode.Created) throw new InvalidOperationException($"withdrawal {w.Key}: {(int)status} {text} (the model accepts it: {p})");
        var answer = JsonDocument.Parse(text).RootElement;
        var got = (answer.GetProperty("grossFen").GetInt64(), answer.GetProperty("taxFen").GetInt64(), answer.GetProperty("feeFen").GetInt64(),
            answer.GetProperty("netFen").GetInt64(), answer.GetProperty("approvalsRequired").GetInt32(), answer.GetProperty("replayed").GetBoolean());
        var expected = (p.GrossFen, p.TaxFen, p.FeeFen, p.NetFen, p.ApprovalsRequired, replay);
        if (got != expected) throw new InvalidOperationException($"withdrawal {w.Key}: answered {got}, the model says {expected}: {text}");
        var id = Guid.Parse(answer.Str("id"));
        if (replay)
        {
            if (id != p.Id) throw new InvalidOperationException($"a retried withdrawal {w.Key} answered another payout {id} (first {p.Id})");
            return;
        }
        p.Id = id;
        var state = answer.Str("status");
        if (state != (p.ApprovalsRequired == 0 ? "Approved" : "AwaitingApproval")) throw new InvalidOperationException($"withdrawal {w.Key}: status {state} for {p}");
        if (p.ApprovalsRequired == 0) p.OutBillNo = answer.Str("outBillNo");
    }

    private async Task DecideAsync(DecideOp d)
    {
        var url = $"/api/payouts/{d.Payout.Id}/{(d.Approve ? "approve" : "reject")}";
        var (status, text) = await approvers[d.Approver].SendAsync(HttpMethod.Post, url, d.Approve ? new { } : new { reason = "模型测试驳回" });
        if (d.ExpectedStatus is null)
        {
            if (status != HttpStatusCode.Conflict) throw new InvalidOperationException($"{d}: {(int)status} {text} (the model expects 409)");
            return;
        }
        if (status != HttpStatusCode.OK) throw new InvalidOperationException($"{d}: {(int)status} {text} (the model expects {d.ExpectedStatus})");
        var answer = JsonDocument.Parse(text).RootElement;
        if (answer.Str("status") != d.ExpectedStatus) throw new InvalidOperationException($"{d}: status {answer.Str("status")}, the model says {d.ExpectedStatus}");
        if (d.ExpectedStatus == "Approved") d.Payout.OutBillNo = answer.Str("outBillNo");
    }

    private async Task RunSenderAsync(SenderFault fault)
    {
        switch (fault)
        {
            case SenderFault.ServerError: fake.Enqueue(FakeFault.ServerError()); break;
            case SenderFault.ServerErrorAfterAccept: fake.Enqueue(FakeFault.ServerError(afterAccept: true)); break;
            case SenderFault.Hang: fake.Enqueue(FakeFault.Hang()); break;
            case SenderFault.AcceptThenDrop: fake.Enqueue(FakeFault.AcceptThenDrop()); break;
        }
        var r = await PayoutApiTests.SendAsync(server, database);
        if (r.Failed != 0) throw new InvalidOperationException($"the sender failed {r.Failed} payout(s): no refusal was injected");
        Sent += r.Sent;
        Unknown += r.Unknown;
    }

    private async Task MoveBillAsync(BillOp b)
    {
        var no = b.Payout.OutBillNo!;
        if (b.Target == "REDELIVER")
        {
            await ExpectAsync(b, fake.NotifyAsync(no, ct: Ct));
            return;
        }
        var older = b.Delivery == Delivery.AfterAnOlderOne ? fake.Notification(no) : null;
        switch (b.Target)
        {
            case "TRANSFERING":
                fake.UserConfirms(no);
                break;
            case "SUCCESS":
                if (fake.Bill(no)!.State == "WAIT_USER_CONFIRM") fake.UserConfirms(no);
                fake.Succeed(no);
                break;
            case "FAIL":
                fake.Fail(no, FailReasons[b.Payout.No % FailReasons.Length]);
                break;
            case "CANCELLED":
                fake.SetState(no, "CANCELING");
                fake.FinishCancel(no);
                break;
        }
        switch (b.Delivery)
        {
            case Delivery.Once:
                await ExpectAsync(b, fake.NotifyAsync(no, ct: Ct));
                break;
            case Delivery.Twice:
                await ExpectAsync(b, fake.NotifyAsync(no, times: 2, ct: Ct));
                break;
            case Delivery.TwiceAtOnce:
                var n = fake.Notification(no);
                foreach (var s in await Task.WhenAll(fake.SendAsync(n, ct: Ct), fake.SendAsync(n, ct: Ct))) await ExpectAsync(b, Task.FromResult(s));
                break;
            case Delivery.AfterAnOlderOne:
                await ExpectAsync(b, fake.NotifyAsync(no, ct: Ct));
                await ExpectAsync(b, fake.SendAsync(older!, ct: Ct));
                break;
        }
    }

    private async Task ExpectAsync(BillOp b, Task<HttpStatusCode> delivery)
    {
        var status = await delivery;
        Notifications++;
        if (status != HttpStatusCode.NoContent) throw new InvalidOperationException($"{b}: the notification was answered {(int)status}, not 204");
    }
}
