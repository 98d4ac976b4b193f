using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Payouts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Guidelink.Web.Api;

/// <summary>Payouts: an earner's balance and withdrawals, Finance's queue and approvals, the Manual bank file, the
/// reconciliation report, the brand's payout settings, WeChat binding, and the provider's notifications.</summary>
public static class PayoutEndpoints
{
    public sealed record DecisionBody(string? Reason);

    public static void MapPayoutEndpoints(this IEndpointRouteBuilder app)
    {
        var payouts = app.MapGroup("/api/payouts").WithTags("Payouts").RequireAuthorization();

        payouts.MapGet("/balance", async (ListPayouts.Handler h, CancellationToken ct) => (await h.BalanceAsync(ct)).ToOk())
            .RequireAuthorization(Permissions.EarningsOwn).WithSummary("My balance per bucket (Pending, Available, Withdrawing, PaidOut), from the ledger.");
        payouts.MapPost("/withdrawals", async (RequestWithdrawal.Request body, RequestWithdrawal.Handler h, CancellationToken ct) =>
                (await h.HandleAsync(body, ct)).ToCreated(r => $"/api/payouts/withdrawals/{r.Id}"))
            .RequireAuthorization(Permissions.EarningsOwn)
            .WithSummary("Withdraw from Available (amount in yuan; key makes a retry return the first answer). Tax and fee are fixed now, on the gross.");
        payouts.MapGet("/withdrawals", async (ListPayouts.Handler h, CancellationToken ct) => (await h.MineAsync(ct)).ToOk())
            .RequireAuthorization(Permissions.EarningsOwn).WithSummary("My withdrawals, newest first (package info for WaitUserConfirm).");
        payouts.MapPut("/real-name", async (SetRealName.Request body, SetRealName.Handler h, CancellationToken ct) => (await h.HandleAsync(body, ct)).ToOk())
            .RequireAuthorization(Permissions.EarningsOwn).WithSummary("A partner's real name for transfers from ¥2,000 (stored encrypted, never returned).");
        payouts.MapGet("/wechat/authorize", async (string? returnUrl, HttpContext http, BindWeChat.Handler h, CancellationToken ct) =>
                (await h.StartAsync(new Uri($"{http.Request.Scheme}://{http.Request.Host}/api/payouts/wechat/callback"), ct)).ToOk())
            .RequireAuthorization(Permissions.EarningsOwn).WithSummary("Where to send a partner's browser to bind the WeChat openid payouts go to.");
        app.MapGet("/api/payouts/wechat/callback", CallbackAsync)
            .WithTags("Payouts").AllowAnonymous()
            .WithSummary("WeChat's return with code and the signed state: binds the partner's openid. A browser (Accept: text/html) lands back on the partner's page; API clients get JSON.");

        payouts.MapGet("/queue", async (string? status, ListPayouts.Handler h, CancellationToken ct) => (await h.QueueAsync(status, ct)).ToOk())
            .WithSummary("All payouts of the brand (payouts.approve or money.read), optionally one status.");
        payouts.MapPost("/{id:guid}/approve", async (Guid id, DecidePayout.Handler h, CancellationToken ct) =>
                (await h.HandleAsync(new DecidePayout.Request(id, true, null), ct)).ToOk())
            .RequireAuthorization(Permissions.PayoutsApprove).WithSummary("Approve (never one's own; above the dual threshold two different people).");
        payouts.MapPost("/{id:guid}/reject", async (Guid id, DecisionBody? body, DecidePayout.Handler h, CancellationToken ct) =>
                (await h.HandleAsync(new DecidePayout.Request(id, false, body?.Reason), ct)).ToOk())
            .RequireAuthorization(Permissions.PayoutsApprove).WithSummary("Reject: the gross returns to Available.");
        payouts.MapGet("/manual/export", ExportAsync).RequireAuthorization(Permissions.PayoutsApprove)
            .WithSummary("The bank-transfer CSV of Manual payouts not yet in a file (again=true: those in a file without a result).");
        payouts.MapPost("/manual/result", ImportAsync).RequireAuthorization(Permissions.PayoutsApprove)
            .WithSummary("The bank's result file (text/csv: out_bill_no,SUCCESS|FAIL[,reason]); idempotent.");
        payouts.MapGet("/reconciliation", async (ListPayouts.Handler h, CancellationToken ct) => (await h.MismatchesAsync(ct)).ToOk())
            .WithSummary("Mismatches between our payouts and the provider's bills (payout, our state, provider state, when).");
        payouts.MapGet("/settings", async (GetPayoutSettings.Handler h, CancellationToken ct) => TypedResults.Ok(await h.HandleAsync(ct)))
            .RequireAuthorization(Permissions.SettingsWrite).WithSummary("The payout policy and the merchant's non-secret fields (secrets: set or not).");
        payouts.MapPut("/settings", async (SavePayoutSettings.Request body, SavePayoutSettings.Handler h, CancellationToken ct) => (await h.HandleAsync(body, ct)).ToOk())
            .RequireAuthorization(Permissions.SettingsWrite).WithSummary("Save the payout policy and (optionally) the merchant settings, encrypted at rest.");

        app.MapPost("/hooks/wechatpay/{brand}", NotifyAsync).WithTags("Payouts").AllowAnonymous()
            .WithSummary("WeChat Pay transfer notifications (MCHTRANSFER.BILL.FINISHED): verified over the raw body, applied idempotently.");
    }

    /// <summary>The partner's page the browser returns to after binding.</summary>
    public const string MyMoneyPage = "/console/my-money";

    private static async Task<IResult> CallbackAsync(string? code, string? state, HttpRequest request, BindWeChat.Handler h, CancellationToken ct)
    {
        var outcome = await h.CompleteAsync(code, state, ct);
        var browser = request.Headers.Accept.Any(a => a is not null && a.Contains("text/html", StringComparison.OrdinalIgnoreCase));
        if (!browser) return outcome.ToOk();
        // Only a fixed local page, never a URL from the query: no open redirect.
        return TypedResults.Redirect(outcome.IsOk ? $"{MyMoneyPage}?bound=1" : $"{MyMoneyPage}?bindFailed=1");
    }

    private static async Task<Results<FileContentHttpResult, ValidationProblem, ProblemHttpResult>> ExportAsync(bool? again, ExportManualPayouts.Handler h, CancellationToken ct)
    {
        var outcome = await h.HandleAsync(again == true, ct);
        if (!outcome.IsOk) return outcome.Kind == Core.Shared.OutcomeKind.Invalid
            ? TypedResults.ValidationProblem(outcome.Errors) : TypedResults.Problem(outcome.Detail, statusCode: StatusCodes.Status403Forbidden);
        // UTF-8 with a BOM, so Excel opens Chinese names correctly.
        byte[] bytes = [.. System.Text.Encoding.UTF8.GetPreamble(), .. System.Text.Encoding.UTF8.GetBytes(outcome.Value!.Csv)];
        return TypedResults.File(bytes, "text/csv; charset=utf-8", "payouts.csv");
    }

    private static async Task<Results<Ok<ImportManualResults.Response>, ValidationProblem, ProblemHttpResult>> ImportAsync(HttpRequest request,
        ImportManualResults.Handler h, CancellationToken ct)
    {
        using var reader = new StreamReader(request.Body, System.Text.Encoding.UTF8);
        var file = await reader.ReadToEndAsync(ct);
        if (file.Length > 0 && file[0] == '\uFEFF') file = file[1..];
        return (await h.HandleAsync(file, ct)).ToOk();
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> NotifyAsync(string brand, HttpRequest request,
        ReceivePayoutNotification.Handler h, CancellationToken ct)
    {
        // The signature covers the raw body byte for byte: read it as it came, before any JSON binding.
        using var reader = new StreamReader(request.Body, System.Text.Encoding.UTF8);
        var body = await reader.ReadToEndAsync(ct);
        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var outcome = await h.HandleAsync(new ReceivePayoutNotification.Request(brand, headers, body), ct);
        return outcome.Kind switch
        {
            Core.Shared.OutcomeKind.Ok => TypedResults.NoContent(),
            Core.Shared.OutcomeKind.Invalid => TypedResults.ValidationProblem(outcome.Errors, title: "The notification does not verify."),
            _ => TypedResults.Problem(outcome.Detail, statusCode: StatusCodes.Status404NotFound),
        };
    }
}
