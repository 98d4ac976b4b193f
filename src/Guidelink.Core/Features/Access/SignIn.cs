using Guidelink.Core.Features.Organization;
using Guidelink.Core.Features.Partners;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Access;

/// <summary>Checks a login name and password. The login name is platform-wide, so it also tells which
/// brand the person belongs to.</summary>
public static class SignIn
{
    public sealed record Request(string? Login, string? Password);
    /// <summary>Who signed in: a staff member (StaffId and Role) or a partner (PartnerId).</summary>
    public sealed record Response(TenantId TenantId, StaffId? StaffId, PartnerId? PartnerId, string Name, StaffRole? Role);

    public sealed class Handler(GuidelinkDb db)
    {
        public async Task<Response?> HandleAsync(Request request, CancellationToken ct)
        {
            if (string.IsNullOrWhiteSpace(request.Login) || string.IsNullOrEmpty(request.Password)) return null;
            var login = UserAccount.NormalizeLogin(request.Login);
            // Before sign-in no brand is in scope: this platform lookup is the one place that reads across brands.
            var account = await db.UserAccounts.IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(u => u.LoginName == login, ct);
            if (account is null || account.DisabledAt is not null || !Passwords.Verify(account, request.Password)) return null;
            if (account.PartnerId is { } partnerId)
            {
                // A pending partner is not yet approved; a frozen or ended one may still read their statement.
                var partner = await db.Partners.IgnoreQueryFilters().AsNoTracking()
                    .FirstOrDefaultAsync(p => p.TenantId == account.TenantId && p.Id == partnerId, ct);
                if (partner is null || partner.Status == PartnerStatus.Pending) return null;
                return new Response(account.TenantId, null, partner.Id, partner.Name, null);
            }
            var staff = await db.Staff.IgnoreQueryFilters().AsNoTracking()
                .FirstOrDefaultAsync(s => s.TenantId == account.TenantId && s.Id == account.StaffId, ct);
            if (staff is null || staff.Status != StaffStatus.Active) return null;
            return new Response(account.TenantId, staff.Id, null, staff.Name, staff.Role);
        }
    }
}
