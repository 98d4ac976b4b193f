using System.Diagnostics;

namespace Guidelink.Web;

/// <summary>One structured log line per request (method, path, status, elapsed, request id), and the
/// request id echoed in X-Request-Id so a caller can quote it.</summary>
public sealed class RequestLogging(RequestDelegate next, ILogger<RequestLogging> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        context.Response.Headers["X-Request-Id"] = context.TraceIdentifier;
        try
        {
            await next(context);
        }
        finally
        {
            var path = context.Request.Path.Value ?? "";
            if (logger.IsEnabled(LogLevel.Information) && !path.StartsWith("/_framework", StringComparison.Ordinal) && !path.StartsWith("/healthz", StringComparison.Ordinal))
            {
                logger.LogInformation("HTTP {Method} {Path} responded {StatusCode} in {ElapsedMs:0.0} ms (request {RequestId})",
                    context.Request.Method, path, context.Response.StatusCode,
                    Stopwatch.GetElapsedTime(started).TotalMilliseconds, context.TraceIdentifier);
            }
        }
    }
}
