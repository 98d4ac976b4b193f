using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Audit;

namespace Guidelink.Web.Api;

public static class AuditEndpoints
{
    public static RouteGroupBuilder MapAuditEndpoints(this RouteGroupBuilder group)
    {
        group.WithTags("Audit").RequireAuthorization(Permissions.AuditRead);
        group.MapGet("/", async (string? entityType, string? entityId, int? take, ListAuditEntries.Handler h, CancellationToken ct) =>
            TypedResults.Ok(await h.HandleAsync(new ListAuditEntries.Request(entityType, entityId, take ?? 100), ct)))
            .WithSummary("The audit log, newest first: who, when, what, before and after.");
        return group;
    }
}
