using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Features.Organization;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Customers;

/// <summary>Which customers an actor sees (a guide only their own; managers their stores' customers; HQ all),
/// how phones are shown (masked unless the actor holds customers.pii), and owner names for display.</summary>
internal static class CustomerAccess
{
    public static IQueryable<Customer> VisibleCustomers(this GuidelinkDb db, AccessScope scope)
    {
        if (scope.IsBrandWide) return db.Customers;
        if (scope.OwnCustomersOfPartner is { } partner)
        {
            var id = partner.Value;
            return db.Customers.Where(c => c.OwnerId == id &&
                (c.OwnerKind == OwnerKind.PartTimeGuide || c.OwnerKind == OwnerKind.ShareAmbassador || c.OwnerKind == OwnerKind.AllianceStore));
        }
        if (scope.OwnCustomersOf is { } self)
        {
            var id = self.Value;
            return db.Customers.Where(c => c.OwnerId == id && (c.OwnerKind == OwnerKind.OfficialGuide || c.OwnerKind == OwnerKind.Installer));
        }
        var stores = db.VisibleStores(scope).Select(s => (StoreId?)s.Id);
        return db.Customers.Where(c => stores.Contains(c.HomeStoreId));
    }

    public static string? PhoneFor(this Customer customer, Actor actor, PiiProtector pii) =>
        actor.Has(Permissions.CustomersPii) && customer.PhoneCipher is { } cipher ? pii.Unprotect(cipher) : customer.PhoneMasked;

    /// <summary>Display names of owners (staff or partners) by id.</summary>
    public static async Task<Dictionary<Guid, string>> OwnerNamesAsync(this GuidelinkDb db, IEnumerable<Guid> ids, CancellationToken ct)
    {
        var list = ids.Distinct().ToList();
        var staffIds = list.Select(i => new StaffId(i)).ToList();
        var partnerIds = list.Select(i => new PartnerId(i)).ToList();
        var staff = await db.Staff.Where(s => staffIds.Contains(s.Id)).Select(s => new { s.Id, s.Name }).ToListAsync(ct);
        var partners = await db.Partners.Where(p => partnerIds.Contains(p.Id)).Select(p => new { p.Id, p.Name }).ToListAsync(ct);
        var names = staff.ToDictionary(s => s.Id.Value, s => s.Name);
        foreach (var p in partners) names[p.Id.Value] = p.Name;
        return names;
    }
}
