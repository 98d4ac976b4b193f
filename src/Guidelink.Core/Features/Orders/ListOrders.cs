using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Customers;
using Guidelink.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Orders;

/// <summary>Where an order stands, as the orders list shows and filters it (one word per order, the most telling first).</summary>
public enum OrderStatus
{
    /// <summary>Online order not delivered yet: its return window has not started.</summary>
    AwaitingDelivery,
    /// <summary>Delivered or paid at the till; commission Pending until the return window closes.</summary>
    InReturnWindow,
    /// <summary>An after-sale request is open: settlement waits for it.</summary>
    AfterSale,
    /// <summary>Return window closed: commission Available.</summary>
    Settled,
    /// <summary>Every line refunded: commission reversed.</summary>
    Refunded,
}

/// <summary>Orders an actor sees, newest first: search by external number, filter by store, credited owner, channel,
/// status and period, a page at a time. A guide or partner sees only orders credited to them, and only their own share
/// of the commission.</summary>
public static class ListOrders
{
    public sealed record Request(string? Search, Guid? StoreId, Guid? CreditId, string? Channel, DateTimeOffset? From, DateTimeOffset? To, int? Take,
        string? Status = null, int? Skip = null);

    public sealed record Item(Guid Id, string Channel, string ExternalNo, Guid StoreId, string? CreditKind, Guid? CreditId, DateTimeOffset PlacedAt,
        long PaidFen, long RefundedFen, bool Settled, long CommissionFen, string Status = "", string? CreditName = null);

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
            if (Enum.TryParse<OrderStatus>(request.Status, true, out var status) && Enum.IsDefined(status))
                query = status switch
                {
                    // The same precedence as StatusOf, so a filtered order shows the status it was filtered by.
                    OrderStatus.Refunded => query.Where(o => o.RefundedFen > 0 && o.RefundedFen >= o.PaidFen - o.ShippingFen - o.TaxFen),
                    OrderStatus.AfterSale => query.Where(o => !(o.RefundedFen > 0 && o.RefundedFen >= o.PaidFen - o.ShippingFen - o.TaxFen) && o.OpenAfterSales > 0),
                    OrderStatus.Settled => query.Where(o => !(o.RefundedFen > 0 && o.RefundedFen >= o.PaidFen - o.ShippingFen - o.TaxFen) && o.OpenAfterSales == 0 && o.SettledAt != null),
                    OrderStatus.InReturnWindow => query.Where(o => !(o.RefundedFen > 0 && o.RefundedFen >= o.PaidFen - o.ShippingFen - o.TaxFen) && o.OpenAfterSales == 0 && o.SettledAt == null && o.SettleDueAt != null),
                    _ => query.Where(o => !(o.RefundedFen > 0 && o.RefundedFen >= o.PaidFen - o.ShippingFen - o.TaxFen) && o.OpenAfterSales == 0 && o.SettledAt == null && o.SettleDueAt == null),
                };
            var take = Math.Clamp(request.Take ?? 100, 1, 500);
            var skip = Math.Max(request.Skip ?? 0, 0);
            var own = OrderAccess.OwnId(actors.Current!);
            var rows = await query.OrderByDescending(o => o.PlacedAt).ThenByDescending(o => o.Id).Skip(skip).Take(take)
                .Select(o => new
                {
                    o.Id,
                    o.Channel,
                    o.ExternalNo,
                    o.StoreId,
                    o.CreditKind,
                    o.CreditId,
                    o.PlacedAt,
                    o.PaidFen,
                    o.RefundedFen,
                    o.SettledAt,
                    o.SettleDueAt,
                    o.OpenAfterSales,
                    GoodsPaid = o.PaidFen - o.ShippingFen - o.TaxFen,
                    Commission = db.CommissionLines.Where(c => c.OrderId == o.Id && (own == null || c.EarnerId == own)).Sum(c => c.AmountFen - c.ReversedFen),
                })
                .ToListAsync(ct);
            var names = await db.OwnerNamesAsync(rows.Where(r => r.CreditId != null).Select(r => r.CreditId!.Value).Distinct(), ct);
            return rows.Select(o => new Item(o.Id, o.Channel.ToString(), o.ExternalNo, o.StoreId.Value, o.CreditKind?.ToString(), o.CreditId, o.PlacedAt,
                    o.PaidFen, o.RefundedFen, o.SettledAt != null, o.Commission,
                    StatusOf(o.RefundedFen, o.GoodsPaid, o.OpenAfterSales, o.SettledAt, o.SettleDueAt).ToString(),
                    o.CreditId is { } c ? names.GetValueOrDefault(c) : null))
                .ToList();
        }
    }

    public static OrderStatus StatusOf(long refundedFen, long goodsPaidFen, int openAfterSales, DateTimeOffset? settledAt, DateTimeOffset? settleDueAt) =>
        refundedFen > 0 && refundedFen >= goodsPaidFen ? OrderStatus.Refunded
        : openAfterSales > 0 ? OrderStatus.AfterSale
        : settledAt is not null ? OrderStatus.Settled
        : settleDueAt is not null ? OrderStatus.InReturnWindow
        : OrderStatus.AwaitingDelivery;
}
