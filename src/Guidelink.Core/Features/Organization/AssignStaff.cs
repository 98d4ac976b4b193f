using Guidelink.Core.Features.Access;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Organization;

/// <summary>Moves a staff member to another store or region from a given instant; the old placement is
/// closed at that instant, so history keeps both.</summary>
public static class AssignStaff
{
    public sealed record Request(Guid Id, Guid? StoreId, Guid? RegionId, DateTimeOffset? From);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, TimeProvider clock)
    {
        public async Task<Outcome<StaffView>> HandleAsync(Request request, CancellationToken ct)
        {
            var actor = actors.Current!;
            var now = clock.GetUtcNow();
            var id = new StaffId(request.Id);
            var staff = await db.VisibleStaff(actor.Scope, now).Include(s => s.Assignments).FirstOrDefaultAsync(s => s.Id == id, ct);
            if (staff is null) return Outcome<StaffView>.NotFound($"Staff {request.Id} not found.");

            var errors = new FieldErrors();
            if (staff.Status == StaffStatus.Left) errors.Add("id", "this staff member has left.");
            var from = request.From ?? now;
            if (from > now) errors.Add("from", "cannot be in the future.");
            if (staff.Assignments.Any(a => a.From > from)) errors.Add("from", "is before the current placement began.");
            var (region, store) = await StaffPlacement.ValidateAsync(db, actor, staff.Role, request.RegionId, request.StoreId, errors, ct);
            if (errors.Any) return errors.ToOutcome<StaffView>();

            staff.AssignTo(region, store, from);
            await db.SaveChangesAsync(ct);
            return staff.View(now);
        }
    }
}
