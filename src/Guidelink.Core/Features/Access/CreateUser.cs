using Guidelink.Core.Features.Organization;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Access;

/// <summary>Gives a staff member a login (creating the staff member if the employee number is new).</summary>
public static class CreateUser
{
    public sealed record Request(string? Login, string? Password, string? EmployeeNo, string? Name, string? Role, string? StoreCode, string? RegionCode);
    public sealed record Response(string Login, Guid StaffId, StaffRole Role);

    public sealed class Handler(GuidelinkDb db, TimeProvider clock)
    {
        public async Task<Outcome<Response>> HandleAsync(Request request, CancellationToken ct)
        {
            var tenant = db.TenantContext.Required;
            var now = clock.GetUtcNow();
            var errors = new FieldErrors();
            var login = await UserAccount.CheckNewAsync(db, request.Login, request.Password, errors, ct);
            errors.Required("employeeNo", request.EmployeeNo, 40);

            var employeeNo = request.EmployeeNo?.Trim() ?? "";
            var staff = await db.Staff.Include(s => s.Assignments).FirstOrDefaultAsync(s => s.EmployeeNo == employeeNo, ct);
            if (staff is null)
            {
                errors.Required("name", request.Name, 100);
                if (!StaffPlacement.TryParseRole(request.Role, out var role))
                    errors.Add("role", $"must be one of {string.Join(", ", Enum.GetNames<StaffRole>())}.");
                else
                {
                    var store = request.StoreCode is { Length: > 0 } sc ? await db.Stores.FirstOrDefaultAsync(s => s.Code == sc, ct) : null;
                    var region = request.RegionCode is { Length: > 0 } rc ? await db.Regions.FirstOrDefaultAsync(r => r.Code == rc, ct) : null;
                    var level = Staff.LevelOf(role);
                    if (level == AssignmentLevel.Store && store is null) errors.Add("store", $"a known store code is required for {role}.");
                    if (level == AssignmentLevel.Region && region is null) errors.Add("region", $"a known region code is required for {role}.");
                    if (!errors.Any)
                    {
                        staff = Staff.Hire(tenant, employeeNo, request.Name!, role, now);
                        staff.AssignTo(level == AssignmentLevel.Region ? region!.Id : null, level == AssignmentLevel.Store ? store!.Id : null, now);
                        db.Staff.Add(staff);
                    }
                }
            }
            else if (await db.UserAccounts.AnyAsync(u => u.StaffId == staff.Id, ct))
                errors.Add("employeeNo", "this staff member already has a login.");
            if (errors.Any) return errors.ToOutcome<Response>();

            var account = UserAccount.Create(tenant, login, staff!.Id, now);
            account.SetPasswordHash(Passwords.Hash(account, request.Password!));
            db.UserAccounts.Add(account);
            await db.SaveChangesAsync(ct);
            return new Response(account.LoginName, staff.Id.Value, staff.Role);
        }
    }
}
