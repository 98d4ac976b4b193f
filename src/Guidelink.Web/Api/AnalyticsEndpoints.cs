using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Analytics;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Guidelink.Web.Api;

/// <summary>Analytics: daily figures in the brand's time zone, scoped to what the caller sees.</summary>
public static class AnalyticsEndpoints
{
    public static void MapAnalyticsEndpoints(this IEndpointRouteBuilder app)
    {
        var analytics = app.MapGroup("/api/analytics").WithTags("Analytics").RequireAuthorization(Permissions.CustomersRead, Permissions.OrgRead);
        analytics.MapGet("/fans", FansAsync)
            .WithSummary("New fans per day (brand's time zone) over [from, to), grouped by channel, owner or method.");
    }

    private static async Task<Results<Ok<FansPerDay.Response>, ValidationProblem, ProblemHttpResult>> FansAsync(
        string? from, string? to, string? groupBy, FansPerDay.Handler h, CancellationToken ct) =>
        (await h.HandleAsync(new FansPerDay.Request(from, to, groupBy), ct)).ToOk();
}
