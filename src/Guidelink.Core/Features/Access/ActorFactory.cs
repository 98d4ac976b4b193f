using Guidelink.Core.Features.Organization;
using Guidelink.Core.Features.Partners;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Access;

/// <summary>Builds the <see cref="Actor"/> for a signed-in person or an API key from the database rather than from the
/// cookie, so a role change or a departure takes effect without signing in again. Requests get it through
/// <see cref="ActorCache"/>, which reuses it for a few seconds.</summary>
public static class ActorFactory
{
    public static async Task<Actor?> ForStaffAsync(GuidelinkDb db, TenantId tenant, StaffId staffId, DateTimeOffset now, CancellationToken ct)
    {
        // One round trip per request: the person, whether their login is disabled, and where they work now.
        var row = await db.Staff.AsNoTracking()
            .Where(s => s.TenantId == tenant && s.Id == staffId)
            .Select(s => new
            {
                Staff = s,
                Disabled = db.UserAccounts.Any(u => u.StaffId == s.Id && u.DisabledAt != null),
                Brand = db.Tenants.Where(t => t.Id == s.TenantId).Select(t => new { t.Name, t.TimeZone }).FirstOrDefault(),
                Current = s.Assignments.Where(a => a.From <= now && (a.Until == null || a.Until > now)).Select(a => new { a.RegionId, a.StoreId }).ToList(),
            })
            .FirstOrDefaultAsync(ct);
        if (row is null || row.Staff.Status != StaffStatus.Active || row.Disabled) return null;
        var staff = row.Staff;
        var scope = ResolveAccessScope.From(staff,
            row.Current.Where(a => a.RegionId != null).Select(a => a.RegionId!.Value),
            row.Current.Where(a => a.StoreId != null).Select(a => a.StoreId!.Value));
        return new Actor(ActorKind.Staff, tenant, staff.Name, staff.Id, null, staff.Role, Permissions.For(staff.Role), scope, row.Brand?.Name ?? "", row.Brand?.TimeZone ?? Tenancy.Tenant.DefaultTimeZone);
    }

    /// <summary>A signed-in partner: sees only their own customers (phones masked) and earnings. A pending partner
    /// (not yet approved) or a removed one gets no actor.</summary>
    public static async Task<Actor?> ForPartnerAsync(GuidelinkDb db, TenantId tenant, PartnerId partnerId, CancellationToken ct)
    {
        var row = await db.Partners.AsNoTracking()
            .Where(p => p.TenantId == tenant && p.Id == partnerId)
            .Select(p => new
            {
                Partner = p,
                Disabled = db.UserAccounts.Any(u => u.PartnerId == p.Id && u.DisabledAt != null),
                Brand = db.Tenants.Where(t => t.Id == p.TenantId).Select(t => new { t.Name, t.TimeZone }).FirstOrDefault(),
            })
            .FirstOrDefaultAsync(ct);
        if (row is null || row.Partner.Status == PartnerStatus.Pending || row.Disabled) return null;
        var p = row.Partner;
        var scope = new AccessScope(false, new HashSet<RegionId>(), new HashSet<StoreId> { p.HomeStoreId }, null, p.Id);
        return new Actor(ActorKind.Partner, tenant, p.Name, null, null, null, Permissions.Partner, scope,
            row.Brand?.Name ?? "", row.Brand?.TimeZone ?? Tenancy.Tenant.DefaultTimeZone, p.Id);
    }

    /// <summary>Finds the key by its platform-wide prefix and checks the secret; null if unknown or revoked.</summary>
    public static async Task<Actor?> ForApiKeyAsync(GuidelinkDb db, string plainKey, CancellationToken ct) =>
        (await FindApiKeyAsync(db, plainKey, ct)).Actor;

    /// <summary>The key's actor and the row it was checked against (which <see cref="ActorCache"/> keeps, to check the
    /// secret of later requests without the database).</summary>
    public static async Task<(Actor? Actor, ApiKey? Key)> FindApiKeyAsync(GuidelinkDb db, string plainKey, CancellationToken ct)
    {
        if (ApiKey.PrefixOf(plainKey) is not { } prefix) return (null, null);
        var key = await db.ApiKeys.IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(k => k.Prefix == prefix, ct);
        if (key is null || !key.Matches(plainKey)) return (null, null);
        return (new Actor(ActorKind.ApiKey, key.TenantId, $"api-key:{key.Name}", null, key.Id, null, key.ScopeSet, AccessScope.BrandWide), key);
    }
}
