using Guidelink.Core.Features.Access;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Organization;

/// <summary>Corrects a staff member's employee number, name or role. Moving them is <see cref="AssignStaff"/>.</summary>
public static class UpdateStaff
{
    public sealed record Request(Guid Id, string? EmployeeNo, string? Name, string? Role);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, TimeProvider clock)
    {
        public async Task<Outcome<StaffView>> HandleAsync(Request request, CancellationToken ct)
        {
            var actor = actors.Current!;
            var now = clock.GetUtcNow();
            var id = new StaffId(request.Id);
            var staff = await db.VisibleStaff(actor.Scope, now).Include(s => s.Assignments).FirstOrDefaultAsync(s => s.Id == id, ct);
            if (staff is null) return Outcome<StaffView>.NotFound($"Staff {request.Id} not found.");

            var errors = new FieldErrors().Required("employeeNo", request.EmployeeNo, 40).Required("name", request.Name, 100);
            var role = staff.Role;
            if (request.Role is { Length: > 0 } && !StaffPlacement.TryParseRole(request.Role, out role))
                errors.Add("role", $"must be one of {string.Join(", ", Enum.GetNames<StaffRole>())}.");
            else if (role != staff.Role && (!StaffPlacement.MayManageRole(actor, role) || !StaffPlacement.MayManageRole(actor, staff.Role)))
                errors.Add("role", $"you may not change this role to {role}.");
            else if (Staff.LevelOf(role) != Staff.LevelOf(staff.Role))
                errors.Add("role", "moves the staff member to another kind of unit; reassign them instead.");
            if (errors.Any) return errors.ToOutcome<StaffView>();

            var employeeNo = request.EmployeeNo!.Trim();
            if (await db.Staff.AnyAsync(s => s.EmployeeNo == employeeNo && s.Id != id, ct))
                return Outcome<StaffView>.Conflict($"Employee number '{employeeNo}' is already taken.");

            staff.Update(employeeNo, request.Name!, role);
            await db.SaveChangesAsync(ct);
            return staff.View(now);
        }
    }
}
