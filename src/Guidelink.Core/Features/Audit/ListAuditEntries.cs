using Guidelink.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Audit;

/// <summary>Reads the audit log, newest first, optionally for one entity.</summary>
public static class ListAuditEntries
{
    public sealed record Request(string? EntityType, string? EntityId, int Take = 100);

    public sealed record Item(Guid Id, DateTimeOffset At, string ActorKind, string ActorName, string Action, string EntityType, string EntityId, string? Before, string? After);

    public sealed class Handler(GuidelinkDb db)
    {
        public async Task<IReadOnlyList<Item>> HandleAsync(Request request, CancellationToken ct)
        {
            var query = db.AuditEntries.AsNoTracking();
            if (!string.IsNullOrEmpty(request.EntityType)) query = query.Where(a => a.EntityType == request.EntityType);
            if (!string.IsNullOrEmpty(request.EntityId)) query = query.Where(a => a.EntityId == request.EntityId);
            return await query.OrderByDescending(a => a.At).ThenByDescending(a => a.Id)
                .Take(Math.Clamp(request.Take, 1, 1000))
                .Select(a => new Item(a.Id, a.At, a.ActorKind, a.ActorName, a.Action, a.EntityType, a.EntityId, a.Before, a.After))
                .ToListAsync(ct);
        }
    }
}
