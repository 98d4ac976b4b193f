using Guidelink.Core.Features.Access;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Organization;

/// <summary>Records that a staff member left: status Left, placement closed, login disabled.
/// (Moving their customers to a successor belongs to the Connect feature and hooks in here.)</summary>
public static class MarkStaffLeft
{
    public sealed record Request(Guid Id, DateTimeOffset? LeftAt);

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

            staff.Leave(leftAt);
            var account = await db.UserAccounts.FirstOrDefaultAsync(u => u.StaffId == id, ct);
            account?.Disable(now);
            await db.SaveChangesAsync(ct);
            return staff.View(now);
        }
    }
}
