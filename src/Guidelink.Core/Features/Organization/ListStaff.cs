using Guidelink.Core.Features.Access;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Organization;

/// <summary>Staff the actor may see, filtered by store, role, status or a name / employee-number search.</summary>
public static class ListStaff
{
    public sealed record Request(Guid? StoreId, string? Role, string? Status, string? Search);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, TimeProvider clock)
    {
        public async Task<IReadOnlyList<StaffView>> HandleAsync(Request request, CancellationToken ct)
        {
            var now = clock.GetUtcNow();
            var query = db.VisibleStaff(actors.Current!.Scope, now).AsNoTracking().Include(s => s.Assignments).AsQueryable();
            if (request.StoreId is { } sid)
            {
                var store = new StoreId(sid);
                query = query.Where(s => s.Assignments.Any(a => a.StoreId == store && a.From <= now && (a.Until == null || a.Until > now)));
            }
            if (StaffPlacement.TryParseRole(request.Role, out var role)) query = query.Where(s => s.Role == role);
            if (Enum.TryParse<StaffStatus>(request.Status, true, out var status)) query = query.Where(s => s.Status == status);
            if (request.Search is { Length: > 0 } term) query = query.Where(s => s.Name.Contains(term) || s.EmployeeNo.Contains(term));
            var staff = await query.OrderBy(s => s.EmployeeNo).Take(1000).ToListAsync(ct);
            return staff.Select(s => s.View(now)).ToList();
        }
    }
}
