using Guidelink.Core.Features.Access;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Organization;

/// <summary>Adds a staff member and places them in their store or region from the day they join.</summary>
public static class HireStaff
{
    public sealed record Request(string? EmployeeNo, string? Name, string? Role, Guid? StoreId, Guid? RegionId, DateTimeOffset? JoinedAt);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, TimeProvider clock)
    {
        public async Task<Outcome<StaffView>> HandleAsync(Request request, CancellationToken ct)
        {
            var actor = actors.Current!;
            var now = clock.GetUtcNow();
            var errors = new FieldErrors().Required("employeeNo", request.EmployeeNo, 40).Required("name", request.Name, 100);
            if (!StaffPlacement.TryParseRole(request.Role, out var role))
                errors.Add("role", $"must be one of {string.Join(", ", Enum.GetNames<StaffRole>())}.");
            else if (!StaffPlacement.MayManageRole(actor, role))
                errors.Add("role", $"you may not add staff with the role {role}.");
            if (request.JoinedAt is { } joined && joined > now) errors.Add("joinedAt", "cannot be in the future.");
            var (region, store) = errors.Any ? (null, null) : await StaffPlacement.ValidateAsync(db, actor, role, request.RegionId, request.StoreId, errors, ct);
            if (errors.Any) return errors.ToOutcome<StaffView>();

            var employeeNo = request.EmployeeNo!.Trim();
            if (await db.Staff.AnyAsync(s => s.EmployeeNo == employeeNo, ct))
                return Outcome<StaffView>.Conflict($"Employee number '{employeeNo}' is already taken.");

            var joinedAt = request.JoinedAt ?? now;
            var staff = Staff.Hire(db.TenantContext.Required, employeeNo, request.Name!, role, joinedAt);
            staff.AssignTo(region, store, joinedAt);
            db.Staff.Add(staff);
            try { await db.SaveChangesAsync(ct); }
            catch (DbUpdateException ex) when (DatabaseSetup.IsUniqueViolation(ex))
            {
                return Outcome<StaffView>.Conflict($"Employee number '{employeeNo}' is already taken.");
            }
            return staff.View(now);
        }
    }
}
