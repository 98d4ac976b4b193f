using Guidelink.Core.Features.Access;
using Guidelink.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Orders;

/// <summary>Orders an actor sees, newest first: search by external number, filter by store, credited owner,
/// channel and period.</summary>
public static class ListOrders
{
    public sealed record Request(string? Search, Guid? StoreId, Guid? CreditId, string? Channel, DateTimeOffset? From, DateTimeOffset? To, int? Take);

    public sealed record Item(Guid Id, string Channel, string ExternalNo, Guid StoreId, string? CreditKind, Guid? CreditId, DateTimeOffset PlacedAt,
        long PaidFen, long RefundedFen, bool Settled, long CommissionFen);

    public sealed class Handler(GuidelinkDb db, ActorContext actors)
    {
        public async Task<IReadOnlyList<Item>> HandleAsync(Request request, CancellationToken ct)
        {
            var query = db.VisibleOrders(actors.Current!).AsNoTracking();
            if (request.Search is { Length: > 0 } s) query = query.Where(o => o.ExternalNo.Contains(s.Trim()));
            if (request.StoreId is { } store) query = query.Where(o => o.StoreId == new Shared.StoreId(store));
            if (request.CreditId is { } credit) query = query.Where(o => o.CreditId == credit);
            if (Enum.TryParse<OrderChannel>(request.Channel, true, out var channel)) query = query.Where(o => o.Channel == channel);
            if (request.From is { } from) query = query.Where(o => o.PlacedAt >= from);
            if (request.To is { } to) query = query.Where(o => o.PlacedAt < to);
            var take = Math.Clamp(request.Take ?? 100, 1, 500);
            var own = OrderAccess.OwnId(actors.Current!);
            return await query.OrderByDescending(o => o.PlacedAt).Take(take)
                .Select(o => new Item(o.Id, o.Channel.ToString(), o.ExternalNo, o.StoreId.Value, o.CreditKind.ToString(), o.CreditId, o.PlacedAt,
                    o.PaidFen, o.RefundedFen, o.SettledAt != null,
                    db.CommissionLines.Where(c => c.OrderId == o.Id && (own == null || c.EarnerId == own)).Sum(c => c.AmountFen - c.ReversedFen)))
                .ToListAsync(ct);
        }
    }
}
