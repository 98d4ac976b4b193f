using Guidelink.Core.Features.Access;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Organization;

/// <summary>Records that a staff member left: status Left, placement closed, login disabled, and their
/// customers handed over (to the successor, or evenly across the store's active guides) in the same commit.</summary>
public static class MarkStaffLeft
{
    public sealed record Request(Guid Id, DateTimeOffset? LeftAt, Guid? SuccessorId = null);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, TimeProvider clock)
    {
        public async Task<Outcome<StaffView>> HandleAsync(Request request, CancellationToken ct)
        {
            var actor = actors.Current!;
            var now = clock.GetUtcNow();
            var id = new StaffId(request.Id);
            var staff = await db.VisibleStaff(actor.Scope, now).Include(s => s.Assignments).FirstOrDefaultAsync(s => s.Id == id, ct);
            if (staff is null) return Outcome<StaffView>.NotFound($"Staff {request.Id} not found.");
            if (actor.StaffId == staff.Id) return Outcome<StaffView>.Invalid("id", "you cannot mark yourself as left.");
            if (!StaffPlacement.MayManageRole(actor, staff.Role)) return Outcome<StaffView>.Forbidden($"You may not manage staff with the role {staff.Role}.");
            var leftAt = request.LeftAt ?? now;
            if (leftAt > now) return Outcome<StaffView>.Invalid("leftAt", "cannot be in the future.");

            Staff? successor = null;
            if (request.SuccessorId is { } sid)
            {
                successor = await db.VisibleStaff(actor.Scope, now).FirstOrDefaultAsync(s => s.Id == new StaffId(sid), ct);
                if (successor is null || successor.Id == staff.Id || successor.Status != StaffStatus.Active || Staff.LevelOf(successor.Role) != AssignmentLevel.Store)
                    return Outcome<StaffView>.Invalid("successorId", "does not name another active guide you manage.");
            }

            var store = staff.AssignmentAt(leftAt)?.StoreId ?? staff.Assignments.OrderByDescending(a => a.From).FirstOrDefault()?.StoreId;
            staff.Leave(leftAt);
            await Attribution.HandOverCustomers.FromLeavingStaffAsync(db, staff, store, successor, leftAt, ct);
            var account = await db.UserAccounts.FirstOrDefaultAsync(u => u.StaffId == id, ct);
            account?.Disable(now);
            await db.SaveChangesAsync(ct);
            return staff.View(now);
        }
    }
}
