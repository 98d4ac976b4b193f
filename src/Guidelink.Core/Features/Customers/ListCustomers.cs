using Guidelink.Core.Features.Access;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Customers;

/// <summary>Customers the actor sees: search by full phone (exact, through the keyed hash), by name or the
/// visible digits of the masked phone, by owner, by tag, or only the store pool.</summary>
public static class ListCustomers
{
    public sealed record Request(string? Search, Guid? OwnerId, bool PoolOnly, Guid? StoreId, int Take = 100, Guid? TagId = null);

    public sealed record Item(Guid Id, string? Name, string? Phone, string? OwnerKind, Guid? OwnerId, string? OwnerName, Guid? HomeStoreId,
        DateTimeOffset? ProtectedUntil, DateTimeOffset CreatedAt);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, PiiProtector pii)
    {
        public async Task<IReadOnlyList<Item>> HandleAsync(Request request, CancellationToken ct)
        {
            var actor = actors.Current!;
            var query = db.VisibleCustomers(actor.Scope).AsNoTracking();
            if (request.Search is { Length: > 0 } term)
            {
                query = PhoneNumber.TryNormalize(term, out var phone)
                    ? query.Where(c => c.PhoneHash == pii.LookupHash(phone))
                    : query.Where(c => (c.Name != null && c.Name.Contains(term)) || (c.PhoneMasked != null && c.PhoneMasked.Contains(term)));
            }
            if (request.OwnerId is { } owner) query = query.Where(c => c.OwnerId == owner);
            if (request.PoolOnly) query = query.Where(c => c.OwnerId == null);
            if (request.TagId is { } tag) query = query.Where(c => db.CustomerTags.Any(t => t.CustomerId == c.Id && t.TagId == tag));
            if (request.StoreId is { } store) query = query.Where(c => c.HomeStoreId == new StoreId(store));
            var customers = await query.OrderByDescending(c => c.CreatedAt).Take(Math.Clamp(request.Take, 1, 500)).ToListAsync(ct);
            var names = await db.OwnerNamesAsync(customers.Where(c => c.OwnerId != null).Select(c => c.OwnerId!.Value), ct);
            return customers.Select(c => new Item(c.Id.Value, c.Name, c.PhoneFor(actor, pii), c.OwnerKind?.ToString(), c.OwnerId,
                c.OwnerId is { } o ? names.GetValueOrDefault(o) : null, c.HomeStoreId?.Value, c.ProtectedUntil, c.CreatedAt)).ToList();
        }
    }
}
