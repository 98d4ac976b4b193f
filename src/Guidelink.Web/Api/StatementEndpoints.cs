using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Shared;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Guidelink.Web.Api;

/// <summary>Partner statements (Activate, transparency): the statement in JSON, CSV or XLSX, and the chain heads of
/// every statement downloaded for an earner.</summary>
public static class StatementEndpoints
{
    public static void MapStatementEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/statements").WithTags("Activate").RequireAuthorization();
        group.MapGet("/", DownloadAsync)
            .WithSummary("An earner's statement for the brand-time days [from, to) (default: this month) as json (default), csv or xlsx. " +
                "holder defaults to the caller's own; each download is recorded with its chain head and audited.");
        group.MapGet("/heads", async (string? holder, ListStatementHeads.Handler h, CancellationToken ct) => (await h.HandleAsync(holder, ct)).ToOk())
            .WithSummary("The chain heads of every statement downloaded for the earner, newest first.");
    }

    private static async Task<Results<FileContentHttpResult, ValidationProblem, ProblemHttpResult>> DownloadAsync(string? holder, string? from, string? to,
        string? format, GetStatement.Handler handler, CancellationToken ct)
    {
        // Dates are parsed here rather than bound, so a bad one is a 400 naming the field like every other error.
        var errors = new Dictionary<string, string[]>();
        var fromDate = ParseDate("from", from, errors);
        var toDate = ParseDate("to", to, errors);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "One or more fields are invalid.");
        var chosen = string.IsNullOrWhiteSpace(format) ? "json" : format.Trim().ToLowerInvariant();
        var outcome = await handler.HandleAsync(new GetStatement.Request(holder, fromDate, toDate, chosen), ct);
        return outcome.Kind switch
        {
            OutcomeKind.Ok => TypedResults.File(StatementFiles.Render(outcome.Value!, chosen), StatementFiles.ContentType(chosen),
                StatementFiles.FileName(outcome.Value!, chosen)),
            OutcomeKind.Invalid => TypedResults.ValidationProblem(outcome.Errors, title: "One or more fields are invalid."),
            OutcomeKind.Forbidden => TypedResults.Problem(outcome.Detail, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden"),
            _ => TypedResults.Problem(outcome.Detail, statusCode: StatusCodes.Status404NotFound, title: "Not found"),
        };
    }

    internal static DateOnly? ParseDate(string field, string? value, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (DateOnly.TryParseExact(value.Trim(), "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var d))
            return d;
        errors[field] = ["must be a date yyyy-MM-dd (brand time)."];
        return null;
    }
}
