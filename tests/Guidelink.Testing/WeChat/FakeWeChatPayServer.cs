using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;
using Guidelink.Core.Features.Payouts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Testing.WeChat;

/// <summary>A fake WeChat Pay (transfer bills, APIv3) and WeChat OAuth (snsapi_base) on a free loopback port.
/// It holds only crypto of its own (no reference to Guidelink.WeChat), so it checks our implementation independently:
/// <list type="bullet">
/// <item>every WeChat Pay request must carry a valid <c>WECHATPAY2-SHA256-RSA2048</c> signature by the merchant key
/// (else 401 SIGN_ERROR); every answer is signed with the platform key;</item>
/// <item>bills are kept by out_bill_no: the same out_bill_no with the same content answers the existing bill, with
/// other content 400 INVALID_REQUEST — never a second bill;</item>
/// <item>faults (<see cref="Enqueue"/>) make the next request slow, 5xx, hang, lose its answer after taking effect, be
/// refused, or get a tampered/forged/stale answer;</item>
/// <item>bills walk through every state on command (<see cref="UserConfirms"/>, <see cref="Succeed"/>,
/// <see cref="Fail"/>, <see cref="FinishCancel"/>, <see cref="SetState"/>), and <see cref="Notification"/> /
/// <see cref="SendAsync"/> / <see cref="NotifyAsync"/> deliver MCHTRANSFER.BILL.FINISHED to a notify URL;</item>
/// <item>OAuth: <see cref="IssueCode"/> and /sns/oauth2/access_token (codes are single-use), and
/// /connect/oauth2/authorize redirecting as <see cref="AuthorizeAs"/>.</item>
/// </list></summary>
public sealed class FakeWeChatPayServer : IAsyncDisposable
{
    public const string TransferBillsPath = "/v3/fund-app/mch-transfer/transfer-bills";
    private const string OutBillNoSegment = "/out-bill-no/";
    private static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan ChinaOffset = TimeSpan.FromHours(8);

    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.Create(UnicodeRanges.All) };

    private readonly FakeWeChatPayOptions _options;
    private readonly RSA _merchantKey;
    private readonly RSA _platformKey;
    private readonly RSA _forgerKey = RSA.Create(2048);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, FakeBill> _bills = new(StringComparer.Ordinal);
    private readonly List<FakeRequest> _requests = [];
    private readonly Dictionary<string, (string OpenId, bool Used)> _codes = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<FakeFault> _faults = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly HttpClient _notifier = new() { Timeout = TimeSpan.FromSeconds(30) };
    private WebApplication? _app;
    private long _billSequence;

    private FakeWeChatPayServer(FakeWeChatPayOptions options)
    {
        _options = options;
        _merchantKey = options.MerchantKey ?? RSA.Create(2048);
        _platformKey = options.PlatformKey ?? RSA.Create(2048);
        MerchantPrivateKeyPem = _merchantKey.ExportPkcs8PrivateKeyPem();
        InitialState = options.InitialState;
        PlatformPublicKeyPem = _platformKey.ExportSubjectPublicKeyInfoPem();
    }

    public static async Task<FakeWeChatPayServer> StartAsync(FakeWeChatPayOptions? options = null)
    {
        var server = new FakeWeChatPayServer(options ?? new FakeWeChatPayOptions());
        // The empty builder reads no appsettings or environment: nothing of the host around it leaks in.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server._app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        server.BaseAddress = new Uri(address);
        return server;
    }

    public Uri BaseAddress { get; private set; } = null!;
    public string MchId => _options.MchId;
    public string AppId => _options.AppId;
    public string AppSecret => _options.AppSecret;
    public string ApiV3Key => _options.ApiV3Key;
    public string MerchantSerialNo => _options.MerchantSerialNo;
    public string MerchantPrivateKeyPem { get; }
    public string PlatformKeyId => _options.PlatformKeyId;
    public string PlatformPublicKeyPem { get; }
    public TimeProvider Clock => _options.Clock;

    /// <summary>The state new bills start in (from the options; may be changed between requests).</summary>
    public string InitialState { get; set; } = "WAIT_USER_CONFIRM";

    /// <summary>The merchant settings that make our provider talk to this fake (scene 1005 佣金报酬).</summary>
    public PayoutMerchant Merchant(string? notifyUrl = null) => new(
        MchId, AppId, AppSecret, MerchantSerialNo, MerchantPrivateKeyPem, ApiV3Key, PlatformKeyId, PlatformPublicKeyPem,
        "1005", [new SceneReportInfo("岗位类型", "兼职导购"), new SceneReportInfo("报酬说明", "佣金")], "劳务报酬",
        notifyUrl, BaseAddress);

    // ---- faults and observation ----

    /// <summary>Queues a misbehaviour for the next WeChat Pay request.</summary>
    public void Enqueue(FakeFault fault) => _faults.Enqueue(fault);

    public IReadOnlyList<FakeRequest> Requests
    {
        get { lock (_gate) return [.. _requests]; }
    }

    public IReadOnlyList<FakeBill> Bills
    {
        get { lock (_gate) return [.. _bills.Values]; }
    }

    public FakeBill? Bill(string outBillNo)
    {
        lock (_gate) return _bills.GetValueOrDefault(outBillNo);
    }

    // ---- state commands ----

    /// <summary>The user confirmed receipt on their phone: WAIT_USER_CONFIRM → TRANSFERING.</summary>
    public FakeBill UserConfirms(string outBillNo) => Move(outBillNo, "TRANSFERING", null, "WAIT_USER_CONFIRM");

    /// <summary>The money arrived: any open state → SUCCESS.</summary>
    public FakeBill Succeed(string outBillNo) => Move(outBillNo, "SUCCESS", null);

    /// <summary>The transfer failed: any open state → FAIL with <paramref name="reason"/> (e.g. ACCOUNT_FROZEN).</summary>
    public FakeBill Fail(string outBillNo, string reason) => Move(outBillNo, "FAIL", reason);

    /// <summary>A cancel completes: CANCELING → CANCELLED.</summary>
    public FakeBill FinishCancel(string outBillNo) => Move(outBillNo, "CANCELLED", null, "CANCELING");

    /// <summary>Any open state → <paramref name="state"/> (ACCEPTED, PROCESSING, WAIT_USER_CONFIRM, TRANSFERING, SUCCESS,
    /// FAIL, CANCELING, CANCELLED). A final bill (SUCCESS, FAIL, CANCELLED) never changes again.</summary>
    public FakeBill SetState(string outBillNo, string state, string? failReason = null) => Move(outBillNo, state, failReason);

    /// <summary>WeChat Pay no longer knows the bill (queries answer a signed 404 NOT_FOUND): a lost bill, for
    /// reconciliation tests. Returns whether there was one.</summary>
    public bool Lose(string outBillNo)
    {
        lock (_gate) return _bills.Remove(outBillNo);
    }

    private FakeBill Move(string outBillNo, string state, string? failReason, string? requiredFrom = null)
    {
        lock (_gate)
        {
            var bill = _bills.GetValueOrDefault(outBillNo) ?? throw new InvalidOperationException($"No bill {outBillNo}.");
            if (bill.IsFinal) throw new InvalidOperationException($"Bill {outBillNo} is final ({bill.State}).");
            if (requiredFrom is not null && bill.State != requiredFrom)
                throw new InvalidOperationException($"Bill {outBillNo} is {bill.State}, not {requiredFrom}.");
            var moved = bill with { State = state, FailReason = state == "FAIL" ? failReason ?? "OTHER_FAIL_REASON_TYPE" : null, UpdatedAt = Clock.GetUtcNow() };
            _bills[outBillNo] = moved;
            return moved;
        }
    }

    // ---- notifications ----

    /// <summary>A MCHTRANSFER.BILL.FINISHED notification of the bill's current state, encrypted with the APIv3 key
    /// and signed with the platform key now (a fresh event id each call).</summary>
    public FakeNotification Notification(string outBillNo)
    {
        var bill = Bill(outBillNo) ?? throw new InvalidOperationException($"No bill {outBillNo}.");
        var resource = new JsonObject
        {
            ["mchid"] = MchId,
            ["out_bill_no"] = bill.OutBillNo,
            ["transfer_bill_no"] = bill.TransferBillNo,
            ["state"] = bill.State,
            ["transfer_amount"] = bill.AmountFen,
            ["openid"] = bill.OpenId,
            ["create_time"] = Time(bill.CreatedAt),
            ["update_time"] = Time(bill.UpdatedAt),
        };
        if (bill.FailReason is not null) resource["fail_reason"] = bill.FailReason;
        var nonce = RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 12);
        const string associatedData = "mch_payment";
        var eventId = "EV-" + Guid.NewGuid().ToString("N");
        var body = new JsonObject
        {
            ["id"] = eventId,
            ["create_time"] = Time(Clock.GetUtcNow()),
            ["resource_type"] = "encrypt-resource",
            ["event_type"] = "MCHTRANSFER.BILL.FINISHED",
            ["summary"] = "商家转账单据终态通知",
            ["resource"] = new JsonObject
            {
                ["original_type"] = "mch_payment",
                ["algorithm"] = "AEAD_AES_256_GCM",
                ["ciphertext"] = Encrypt(resource.ToJsonString(Json), nonce, associatedData),
                ["associated_data"] = associatedData,
                ["nonce"] = nonce,
            },
        }.ToJsonString(Json);
        return new FakeNotification(eventId, bill.OutBillNo, bill.State, SignatureHeaders(body, null), body);
    }

    /// <summary>Signs any body as WeChat Pay would (Wechatpay-Serial/-Timestamp/-Nonce/-Signature headers): for
    /// notifications of other shapes (another event type, another merchant) that are nevertheless genuine.</summary>
    public IReadOnlyDictionary<string, string> Sign(string body) => SignatureHeaders(body, null);

    /// <summary>Encrypts a resource with the APIv3 key (AEAD_AES_256_GCM, associated data "mch_payment"), for
    /// hand-made notifications; returns the resource object of the envelope.</summary>
    public JsonObject EncryptResource(string plaintext)
    {
        var nonce = RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 12);
        return new JsonObject
        {
            ["original_type"] = "mch_payment",
            ["algorithm"] = "AEAD_AES_256_GCM",
            ["ciphertext"] = Encrypt(plaintext, nonce, "mch_payment"),
            ["associated_data"] = "mch_payment",
            ["nonce"] = nonce,
        };
    }

    /// <summary>POSTs a notification as WeChat Pay does (to <paramref name="to"/>, else the bill's notify_url) and
    /// returns the receiver's status (WeChat treats 200/204 as received).</summary>
    public async Task<HttpStatusCode> SendAsync(FakeNotification notification, Uri? to = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var target = to ?? (Bill(notification.OutBillNo)?.NotifyUrl is { } url ? new Uri(url) : null)
            ?? throw new InvalidOperationException($"Bill {notification.OutBillNo} has no notify_url.");
        using var request = new HttpRequestMessage(HttpMethod.Post, target)
        {
            Content = new StringContent(notification.Body, Encoding.UTF8, "application/json"),
        };
        foreach (var (name, value) in notification.Headers) request.Headers.TryAddWithoutValidation(name, value);
        using var response = await _notifier.SendAsync(request, ct);
        return response.StatusCode;
    }

    /// <summary>Sends the bill's current state to its notify_url <paramref name="times"/> times (one event id: the
    /// second and later are WeChat's re-deliveries).</summary>
    public async Task<HttpStatusCode> NotifyAsync(string outBillNo, int times = 1, CancellationToken ct = default)
    {
        var notification = Notification(outBillNo);
        var status = HttpStatusCode.OK;
        for (var i = 0; i < times; i++) status = await SendAsync(notification, null, ct);
        return status;
    }

    // ---- OAuth ----

    /// <summary>A one-time code that /sns/oauth2/access_token exchanges for <paramref name="openId"/>.</summary>
    public string IssueCode(string openId)
    {
        var code = RandomNumberGenerator.GetHexString(32, lowercase: true);
        lock (_gate) _codes[code] = (openId, false);
        return code;
    }

    /// <summary>The user "in the browser": /connect/oauth2/authorize redirects to redirect_uri with a code for this
    /// openid (400 when null).</summary>
    public string? AuthorizeAs { get; set; }

    // ---- HTTP ----

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        try
        {
            if (path == "/sns/oauth2/access_token") await AccessTokenAsync(context);
            else if (path == "/connect/oauth2/authorize") Authorize(context);
            else if (path.StartsWith("/v3/", StringComparison.Ordinal)) await PayAsync(context, path);
            else context.Response.StatusCode = 404;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested || _stopping.IsCancellationRequested)
        {
            // The client gave up (timeout) or the fake is stopping.
        }
    }

    private async Task PayAsync(HttpContext context, string path)
    {
        var request = context.Request;
        var body = await new StreamReader(request.Body, Encoding.UTF8).ReadToEndAsync(context.RequestAborted);
        var target = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        var problem = CheckSignature(request.Method, target, body, request.Headers.Authorization.ToString());
        var serial = request.Headers["Wechatpay-Serial"].ToString();
        lock (_gate)
            _requests.Add(new FakeRequest(request.Method, target, body, serial.Length == 0 ? null : serial, problem is null, problem,
                TimeProvider.System.GetUtcNow()));
        if (problem is not null)
        {
            await AnswerAsync(context, 401, Error("SIGN_ERROR", problem), null);
            return;
        }

        _faults.TryDequeue(out var fault);
        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        if (fault is { Kind: FakeFaultKind.Delay }) await Task.Delay(fault.Delay, aborted.Token);
        if (fault is { Kind: FakeFaultKind.Reject })
        {
            await AnswerAsync(context, fault.Status, Error(fault.Code ?? "INVALID_REQUEST", "refused by the fake"), null);
            return;
        }
        if (fault is { AfterAccept: false, Kind: FakeFaultKind.ServerError })
        {
            await AnswerAsync(context, 500, Error("SYSTEM_ERROR", "系统异常,请使用相同参数稍后重新调用"), null);
            return;
        }
        if (fault is { AfterAccept: false, Kind: FakeFaultKind.Hang })
        {
            await Task.Delay(Timeout.Infinite, aborted.Token);
            return;
        }

        var (status, json) = Dispatch(request.Method, path, body, serial);

        switch (fault?.Kind)
        {
            case FakeFaultKind.ServerError:
                await AnswerAsync(context, 500, Error("SYSTEM_ERROR", "系统异常,请使用相同参数稍后重新调用"), null);
                return;
            case FakeFaultKind.Hang:
                await Task.Delay(Timeout.Infinite, aborted.Token);
                return;
            case FakeFaultKind.Drop:
                context.Abort();
                return;
            default:
                await AnswerAsync(context, status, json, fault);
                return;
        }
    }

    private (int Status, string Json) Dispatch(string method, string path, string body, string serial)
    {
        if (method == "POST" && path == TransferBillsPath) return Create(body, serial);
        var prefix = TransferBillsPath + OutBillNoSegment;
        if (path.StartsWith(prefix, StringComparison.Ordinal))
        {
            var rest = path[prefix.Length..];
            if (method == "GET" && !rest.Contains('/', StringComparison.Ordinal)) return Query(rest);
            if (method == "POST" && rest.EndsWith("/cancel", StringComparison.Ordinal)) return Cancel(rest[..^"/cancel".Length]);
        }
        return (404, Error("NOT_FOUND", "no such API in the fake"));
    }

    private (int, string) Create(string body, string serial)
    {
        JsonObject input;
        try
        {
            input = JsonNode.Parse(body)?.AsObject() ?? throw new JsonException();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return (400, Error("PARAM_ERROR", "body is not a JSON object"));
        }
        string? Text(string name) => input[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        var appId = Text("appid");
        var outBillNo = Text("out_bill_no");
        var sceneId = Text("transfer_scene_id");
        var openId = Text("openid");
        var remark = Text("transfer_remark");
        var amount = input["transfer_amount"] is JsonValue a && a.TryGetValue<long>(out var fen) ? fen : (long?)null;
        if (appId is null || outBillNo is null || sceneId is null || openId is null || remark is null || amount is null)
            return (400, Error("PARAM_ERROR", "a required field is missing"));
        if (appId != AppId) return (400, Error("PARAM_ERROR", "appid 与 mchid 不匹配"));
        if (outBillNo.Length > 32 || !outBillNo.All(char.IsAsciiLetterOrDigit))
            return (400, Error("PARAM_ERROR", "out_bill_no 只能由数字、大小写字母组成,最长 32 位"));
        if (remark.Length > 32) return (400, Error("PARAM_ERROR", "transfer_remark 超过 32 个字符"));
        if (amount <= 0) return (400, Error("PARAM_ERROR", "transfer_amount 必须大于 0"));

        string? userName = null;
        if (Text("user_name") is { } encrypted)
        {
            if (serial != PlatformKeyId) return (400, Error("PARAM_ERROR", "Wechatpay-Serial 与加密公钥不匹配"));
            try
            {
                userName = Encoding.UTF8.GetString(_platformKey.Decrypt(Convert.FromBase64String(encrypted), RSAEncryptionPadding.OaepSHA1));
            }
            catch (Exception e) when (e is CryptographicException or FormatException)
            {
                return (400, Error("PARAM_ERROR", "user_name 解密失败"));
            }
        }
        else if (amount >= 200_000)
        {
            return (400, Error("PARAM_ERROR", "转账金额 >= 2000 元时 user_name 必填"));
        }

        lock (_gate)
        {
            if (_bills.TryGetValue(outBillNo, out var existing))
            {
                // 原单重试: same bill, same answer. The encrypted name differs on every send (OAEP is randomized), so the
                // decrypted names are compared.
                var same = existing.AppId == appId && existing.OpenId == openId && existing.AmountFen == amount
                    && existing.Remark == remark && existing.TransferSceneId == sceneId && existing.UserName == userName;
                return same ? (200, CreateAnswer(existing)) : (400, Error("INVALID_REQUEST", "单号已存在但信息不一致,请查单后比较确认"));
            }
            var now = Clock.GetUtcNow();
            var sequence = Interlocked.Increment(ref _billSequence);
            var bill = new FakeBill(
                outBillNo,
                string.Create(CultureInfo.InvariantCulture, $"1330000071100999991182020050700{sequence:D8}"),
                appId, openId, amount.Value, remark, userName, Text("notify_url"), sceneId, Text("user_recv_perception"),
                InitialState, null, Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)), now, now, body);
            _bills[outBillNo] = bill;
            return (200, CreateAnswer(bill));
        }
    }

    private static string CreateAnswer(FakeBill bill)
    {
        var answer = new JsonObject
        {
            ["out_bill_no"] = bill.OutBillNo,
            ["transfer_bill_no"] = bill.TransferBillNo,
            ["create_time"] = Time(bill.CreatedAt),
            ["state"] = bill.State,
        };
        if (bill.FailReason is not null) answer["fail_reason"] = bill.FailReason;
        // package_info is what the user confirms with; WeChat gives it while the bill waits for them.
        if (bill.State == "WAIT_USER_CONFIRM") answer["package_info"] = bill.PackageInfo;
        return answer.ToJsonString(Json);
    }

    private (int, string) Query(string outBillNo)
    {
        var bill = Bill(Uri.UnescapeDataString(outBillNo));
        if (bill is null) return (404, Error("NOT_FOUND", "记录不存在"));
        var answer = new JsonObject
        {
            ["mch_id"] = MchId,
            ["out_bill_no"] = bill.OutBillNo,
            ["transfer_bill_no"] = bill.TransferBillNo,
            ["appid"] = bill.AppId,
            ["state"] = bill.State,
            ["transfer_amount"] = bill.AmountFen,
            ["transfer_remark"] = bill.Remark,
            ["openid"] = bill.OpenId,
            ["create_time"] = Time(bill.CreatedAt),
            ["update_time"] = Time(bill.UpdatedAt),
        };
        if (bill.FailReason is not null) answer["fail_reason"] = bill.FailReason;
        return (200, answer.ToJsonString(Json));
    }

    private (int, string) Cancel(string outBillNo)
    {
        lock (_gate)
        {
            var no = Uri.UnescapeDataString(outBillNo);
            if (!_bills.TryGetValue(no, out var bill)) return (404, Error("NOT_FOUND", "记录不存在"));
            if (bill.State is "ACCEPTED" or "PROCESSING" or "WAIT_USER_CONFIRM")
            {
                bill = bill with { State = "CANCELING", UpdatedAt = Clock.GetUtcNow() };
                _bills[no] = bill;
            }
            else if (bill.State is not ("CANCELING" or "CANCELLED"))
            {
                return (400, Error("INVALID_REQUEST", $"当前单据状态 {bill.State} 不支持撤销"));
            }
            return (200, new JsonObject
            {
                ["out_bill_no"] = bill.OutBillNo,
                ["transfer_bill_no"] = bill.TransferBillNo,
                ["state"] = bill.State,
                ["update_time"] = Time(bill.UpdatedAt),
            }.ToJsonString(Json));
        }
    }

    private async Task AccessTokenAsync(HttpContext context)
    {
        var query = context.Request.Query;
        string answer;
        lock (_gate)
        {
            var code = query["code"].ToString();
            if (query["appid"] != AppId) answer = WxError(40013, "invalid appid");
            else if (query["secret"] != AppSecret) answer = WxError(40125, "invalid appsecret");
            else if (query["grant_type"] != "authorization_code") answer = WxError(40002, "invalid grant_type");
            else if (!_codes.TryGetValue(code, out var issued)) answer = WxError(40029, "invalid code");
            else if (issued.Used) answer = WxError(40163, "code been used");
            else
            {
                _codes[code] = issued with { Used = true };
                answer = new JsonObject
                {
                    ["access_token"] = "FAKE_ACCESS_TOKEN",
                    ["expires_in"] = 7200,
                    ["refresh_token"] = "FAKE_REFRESH_TOKEN",
                    ["openid"] = issued.OpenId,
                    ["scope"] = "snsapi_base",
                }.ToJsonString(Json);
            }
        }
        // WeChat answers errors with HTTP 200 and an errcode.
        context.Response.ContentType = "application/json; encoding=utf-8";
        await context.Response.WriteAsync(answer);
    }

    private void Authorize(HttpContext context)
    {
        var query = context.Request.Query;
        if (AuthorizeAs is null || query["appid"] != AppId || query["scope"] != "snsapi_base" || query["response_type"] != "code"
            || !Uri.TryCreate(query["redirect_uri"], UriKind.Absolute, out var redirect))
        {
            context.Response.StatusCode = 400;
            return;
        }
        var code = IssueCode(AuthorizeAs);
        var separator = string.IsNullOrEmpty(redirect.Query) ? "?" : "&";
        context.Response.Redirect($"{redirect.AbsoluteUri}{separator}code={code}&state={Uri.EscapeDataString(query["state"].ToString())}");
    }

    private static string WxError(int code, string message) =>
        new JsonObject { ["errcode"] = code, ["errmsg"] = message }.ToJsonString(Json);

    // ---- crypto (independent of Guidelink.WeChat on purpose) ----

    private string? CheckSignature(string method, string target, string body, string authorization)
    {
        const string scheme = "WECHATPAY2-SHA256-RSA2048 ";
        if (!authorization.StartsWith(scheme, StringComparison.Ordinal)) return "Authorization is not WECHATPAY2-SHA256-RSA2048";
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in authorization[scheme.Length..].Split(','))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || part.Length < eq + 3 || part[eq + 1] != '"' || part[^1] != '"') return "Authorization field is malformed";
            fields[part[..eq].Trim()] = part[(eq + 2)..^1];
        }
        if (!fields.TryGetValue("mchid", out var mchId) || !fields.TryGetValue("nonce_str", out var nonce)
            || !fields.TryGetValue("timestamp", out var timestamp) || !fields.TryGetValue("serial_no", out var serialNo)
            || !fields.TryGetValue("signature", out var signature))
            return "Authorization lacks a field";
        if (mchId != MchId) return "mchid is not this merchant";
        if (serialNo != MerchantSerialNo) return "serial_no is not the merchant certificate";
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || (Clock.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > MaxSkew)
            return "timestamp is more than 5 minutes off";
        byte[] signatureBytes;
        try
        {
            signatureBytes = Convert.FromBase64String(signature);
        }
        catch (FormatException)
        {
            return "signature is not base64";
        }
        var message = Encoding.UTF8.GetBytes($"{method}\n{target}\n{timestamp}\n{nonce}\n{body}\n");
        return _merchantKey.VerifyData(message, signatureBytes, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            ? null
            : "signature does not verify";
    }

    private Dictionary<string, string> SignatureHeaders(string body, FakeFault? fault)
    {
        var timestamp = Clock.GetUtcNow().ToUnixTimeSeconds();
        if (fault?.Kind == FakeFaultKind.StaleAnswer) timestamp -= 360;
        var nonce = RandomNumberGenerator.GetHexString(32);
        var key = fault?.Kind == FakeFaultKind.ForgedAnswer ? _forgerKey : _platformKey;
        var signature = Convert.ToBase64String(key.SignData(
            Encoding.UTF8.GetBytes($"{timestamp}\n{nonce}\n{body}\n"), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        return new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Wechatpay-Serial"] = fault?.Kind == FakeFaultKind.WrongSerial ? "PUB_KEY_ID_NOT_THE_CONFIGURED_ONE" : PlatformKeyId,
            ["Wechatpay-Timestamp"] = timestamp.ToString(CultureInfo.InvariantCulture),
            ["Wechatpay-Nonce"] = nonce,
            ["Wechatpay-Signature"] = signature,
            ["Wechatpay-Signature-Type"] = "WECHATPAY2-SHA256-RSA2048",
        };
    }

    private async Task AnswerAsync(HttpContext context, int status, string json, FakeFault? fault)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.Headers["Request-ID"] = Guid.NewGuid().ToString("N");
        if (fault?.Kind != FakeFaultKind.UnsignedAnswer)
            foreach (var (name, value) in SignatureHeaders(json, fault)) response.Headers[name] = value;
        // Tampering happens after signing: a man in the middle changing the bill.
        if (fault?.Kind == FakeFaultKind.TamperedAnswer) json = json.Replace("\"state\":\"", "\"state\":\"X", StringComparison.Ordinal);
        response.ContentType = "application/json";
        await response.WriteAsync(json, context.RequestAborted);
    }

    private string Encrypt(string plaintext, string nonce, string associatedData)
    {
        var input = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[input.Length + 16];
        using var aes = new AesGcm(Encoding.UTF8.GetBytes(ApiV3Key), 16);
        aes.Encrypt(Encoding.UTF8.GetBytes(nonce), input, output.AsSpan(0, input.Length), output.AsSpan(input.Length),
            Encoding.UTF8.GetBytes(associatedData));
        return Convert.ToBase64String(output);
    }

    private static string Error(string code, string message) =>
        new JsonObject { ["code"] = code, ["message"] = message }.ToJsonString(Json);

    private static string Time(DateTimeOffset time) =>
        time.ToOffset(ChinaOffset).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        _notifier.Dispose();
        _forgerKey.Dispose();
        if (_options.MerchantKey is null) _merchantKey.Dispose();
        if (_options.PlatformKey is null) _platformKey.Dispose();
        _stopping.Dispose();
    }
}
