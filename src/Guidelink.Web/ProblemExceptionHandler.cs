using System.Text.Json;
using Guidelink.Core.Persistence;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Guidelink.Web;

/// <summary>The one handler for unexpected failures: malformed input becomes a 400 naming the field, a
/// cross-brand write a 403, anything else a 500 with the request id (never a stack trace).</summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var context = httpContext;
        ProblemDetails problem;
        switch (exception)
        {
            case BadHttpRequestException bad:
                var field = FieldOf(bad);
                problem = new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [MessageOf(bad)] })
                {
                    Status = StatusCodes.Status400BadRequest,
                    Title = "One or more fields are invalid.",
                };
                break;
            case TenantViolationException:
                problem = new ProblemDetails { Status = StatusCodes.Status403Forbidden, Title = "Forbidden", Detail = "That belongs to another brand." };
                break;
            default:
                logger.LogError(exception, "Unhandled exception for {Method} {Path}", context.Request.Method, context.Request.Path);
                problem = new ProblemDetails { Status = StatusCodes.Status500InternalServerError, Title = "Something went wrong on our side." };
                break;
        }
        context.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>The JSON path of the offending value ("$.regionId" → "regionId"), else the parameter name.</summary>
    private static string FieldOf(BadHttpRequestException bad)
    {
        if (bad.InnerException is JsonException { Path: { Length: > 2 } path }) return path.TrimStart('$', '.');
        var message = bad.Message;
        var start = message.IndexOf('"', StringComparison.Ordinal);
        var end = start >= 0 ? message.IndexOf('"', start + 1) : -1;
        return end > start ? message[(start + 1)..end] : "body";
    }

    private static string MessageOf(BadHttpRequestException bad) =>
        bad.InnerException is JsonException ? "has a value of the wrong type or format." : bad.Message;
}
