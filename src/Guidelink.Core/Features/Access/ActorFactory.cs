using Guidelink.Core.Features.Organization;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Access;

/// <summary>Builds the <see cref="Actor"/> for a signed-in person or an API key on every request, from the
/// database rather than from the cookie, so a role change or a departure takes effect at once.</summary>
public static class ActorFactory
{
    public static async Task<Actor?> ForStaffAsync(GuidelinkDb db, TenantId tenant, StaffId staffId, DateTimeOffset now, CancellationToken ct)
    {
        var staff = await db.Staff.AsNoTracking().FirstOrDefaultAsync(s => s.TenantId == tenant && s.Id == staffId, ct);
        if (staff is null || staff.Status != StaffStatus.Active) return null;
        var disabled = await db.UserAccounts.AsNoTracking().AnyAsync(u => u.StaffId == staffId && u.DisabledAt != null, ct);
        if (disabled) return null;
        var scope = await ResolveAccessScope.ForAsync(db, staff, now, ct);
        return new Actor(ActorKind.Staff, tenant, staff.Name, staff.Id, null, staff.Role, Permissions.For(staff.Role), scope);
    }

    /// <summary>Finds the key by its platform-wide prefix and checks the secret; null if unknown or revoked.</summary>
    public static async Task<Actor?> ForApiKeyAsync(GuidelinkDb db, string plainKey, CancellationToken ct)
    {
        if (ApiKey.PrefixOf(plainKey) is not { } prefix) return null;
        var key = await db.ApiKeys.IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(k => k.Prefix == prefix, ct);
        if (key is null || !key.Matches(plainKey)) return null;
        return new Actor(ActorKind.ApiKey, key.TenantId, $"api-key:{key.Name}", null, key.Id, null, key.ScopeSet, AccessScope.BrandWide);
    }
}
