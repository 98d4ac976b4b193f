using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Access;

/// <summary>A person's login: a staff member's or a partner's (exactly one of the two). The login name is unique
/// across the platform (it resolves the brand at sign-in), which makes this one of the few platform tables; its
/// key still leads with TenantId.</summary>
public sealed class UserAccount : ITenantOwned
{
    private UserAccount() { }

    public TenantId TenantId { get; private set; }
    public Guid Id { get; private set; }
    public string LoginName { get; private set; } = "";
    public StaffId? StaffId { get; private set; }
    public PartnerId? PartnerId { get; private set; }
    public string PasswordHash { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? DisabledAt { get; private set; }

    public static string NormalizeLogin(string login) => login.Trim().ToLowerInvariant();

    /// <summary>The checks every new login passes (staff or partner): a login name free across the platform and a
    /// long enough password. Returns the normalised login name.</summary>
    public static async Task<string> CheckNewAsync(Persistence.GuidelinkDb db, string? login, string? password, FieldErrors errors, CancellationToken ct)
    {
        errors.Required("login", login, 100);
        if (password is null || password.Length < Passwords.MinimumLength)
            errors.Add("password", $"must be at least {Passwords.MinimumLength} characters.");
        var normalized = NormalizeLogin(login ?? "");
        if (normalized.Length > 0 && await db.UserAccounts.IgnoreQueryFilters().AnyAsync(u => u.LoginName == normalized, ct))
            errors.Add("login", $"'{normalized}' is already taken.");
        return normalized;
    }

    public static UserAccount Create(TenantId tenant, string loginName, StaffId staff, DateTimeOffset now) => new()
    {
        TenantId = tenant,
        Id = Guid.CreateVersion7(),
        LoginName = NormalizeLogin(loginName),
        StaffId = staff,
        CreatedAt = now,
    };

    public static UserAccount CreateForPartner(TenantId tenant, string loginName, PartnerId partner, DateTimeOffset now) => new()
    {
        TenantId = tenant,
        Id = Guid.CreateVersion7(),
        LoginName = NormalizeLogin(loginName),
        PartnerId = partner,
        CreatedAt = now,
    };

    public void SetPasswordHash(string hash) => PasswordHash = hash;

    public void Disable(DateTimeOffset now) => DisabledAt ??= now;
}
