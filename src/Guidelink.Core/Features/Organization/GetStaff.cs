using Guidelink.Core.Features.Access;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Organization;

/// <summary>One staff member with their placement history; with <c>at</c>, where they worked at that instant.</summary>
public static class GetStaff
{
    public sealed record Response(StaffView Staff, IReadOnlyList<AssignmentView> History, AssignmentView? At);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, TimeProvider clock)
    {
        public async Task<Outcome<Response>> HandleAsync(Guid id, DateTimeOffset? at, CancellationToken ct)
        {
            var now = clock.GetUtcNow();
            var staffId = new StaffId(id);
            // Visibility by current placement; staff who left are visible to HQ (brand-wide) only.
            var staff = await db.VisibleStaff(actors.Current!.Scope, now).AsNoTracking().Include(s => s.Assignments)
                .FirstOrDefaultAsync(s => s.Id == staffId, ct);
            if (staff is null) return Outcome<Response>.NotFound($"Staff {id} not found.");
            var history = staff.Assignments.OrderBy(a => a.From)
                .Select(a => new AssignmentView(a.RegionId?.Value, a.StoreId?.Value, a.From, a.Until)).ToList();
            var atAssignment = at is { } instant ? staff.AssignmentAt(instant) : null;
            return new Response(staff.View(now), history,
                atAssignment is null ? null : new AssignmentView(atAssignment.RegionId?.Value, atAssignment.StoreId?.Value, atAssignment.From, atAssignment.Until));
        }
    }
}
