using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Customers;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Orders;

/// <summary>One order with its credit (who, why), lines, commission lines (rule, version, rate, amount, reversed,
/// settled) and events. A guide or partner sees only orders credited to them; managers their stores' orders.</summary>
public static class GetOrder
{
    public sealed record LineView(int LineNo, string Sku, string Name, string Category, int Quantity, long UnitPriceFen, long LineDiscountFen,
        long OrderDiscountFen, long PaidFen, long RefundedFen);

    public sealed record CommissionView(int LineNo, string Kind, string EarnerKind, Guid EarnerId, string? EarnerName, Guid? RuleId, int? RuleVersion,
        string? RuleName, string Rate, string? Tier, long BaseFen, long AmountFen, long ReversedFen, DateTimeOffset? SettledAt, string Explanation);

    /// <summary>Something that happened to the order; for a refund, <c>RefundLines</c> says how much of which line.</summary>
    public sealed record EventView(string Kind, string Key, DateTimeOffset At, long AmountFen, string? Note, IReadOnlyList<RefundedLine>? RefundLines = null);

    public sealed record RefundedLine(int LineNo, long Fen);

    public sealed record OrderView(Guid Id, string Channel, string ExternalNo, Guid StoreId, string? StoreName, Guid? RegionId, Guid? CustomerId,
        string? CustomerPhone, string? CreditKind, Guid? CreditId, string? CreditName, string CreditNote, string? ReferralCode, bool IsPromotion,
        bool IsFirstOrder, DateTimeOffset PlacedAt, DateTimeOffset PaidAt, DateTimeOffset? CompletedAt, DateTimeOffset? SettleDueAt,
        DateTimeOffset? SettledAt, int OpenAfterSales, long GoodsFen, long LineDiscountFen, long OrderDiscountFen, long ShippingFen, long TaxFen,
        long PaidFen, long RefundedFen, IReadOnlyList<LineView> Lines, IReadOnlyList<CommissionView> Commission, IReadOnlyList<EventView> Events,
        string? RegionName = null, string Status = "");

    public sealed class Handler(GuidelinkDb db, ActorContext actors)
    {
        public async Task<Outcome<OrderView>> HandleAsync(Guid id, bool english, CancellationToken ct)
        {
            var actor = actors.Current!;
            var order = await db.VisibleOrders(actor).AsNoTracking().Include(o => o.Lines).FirstOrDefaultAsync(o => o.Id == id, ct);
            if (order is null) return Outcome<OrderView>.NotFound($"Order {id} not found.");
            var commission = await db.CommissionLines.AsNoTracking().Where(c => c.OrderId == id).OrderBy(c => c.LineNo).ThenBy(c => c.Kind).ToListAsync(ct);
            if (actor.Scope.OnlyOwn) commission = commission.Where(c => c.EarnerId == OrderAccess.OwnId(actor)).ToList();
            var events = await db.OrderEvents.AsNoTracking().Where(e => e.OrderId == id).OrderBy(e => e.At).ThenBy(e => e.RecordedAt).ToListAsync(ct);
            var names = await db.OwnerNamesAsync(commission.Select(c => c.EarnerId).Concat(order.CreditId is { } cid ? [cid] : []), ct);
            // Names of the order's store and region and of store and region accounts among the earners: only those, not every
            // store of the brand (a brand of 500 stores read them all on every order it was shown or sent).
            var places = commission.Select(c => c.EarnerId).Append(order.StoreId.Value).Concat(order.RegionId is { } rg ? [rg.Value] : []).Distinct().ToList();
            var storeIds = places.Select(p => new StoreId(p)).ToList();
            var regionIds = places.Select(p => new RegionId(p)).ToList();
            var stores = await db.Stores.AsNoTracking().Where(s => storeIds.Contains(s.Id)).Select(s => new { s.Id, s.Name }).ToDictionaryAsync(s => s.Id.Value, s => s.Name, ct);
            foreach (var (k, v) in stores) names.TryAdd(k, v);
            var regions = await db.Regions.AsNoTracking().Where(r => regionIds.Contains(r.Id)).Select(r => new { r.Id, r.Name }).ToListAsync(ct);
            foreach (var r in regions) names.TryAdd(r.Id.Value, r.Name);
            var phone = order.CustomerId is { } customer
                ? await db.Customers.AsNoTracking().Where(c => c.Id == customer).Select(c => c.PhoneMasked).FirstOrDefaultAsync(ct) : null;
            return new OrderView(order.Id, order.Channel.ToString(), order.ExternalNo, order.StoreId.Value, stores.GetValueOrDefault(order.StoreId.Value),
                order.RegionId?.Value, order.CustomerId?.Value, phone, order.CreditKind?.ToString(), order.CreditId,
                order.CreditId is { } c ? names.GetValueOrDefault(c) : null, order.CreditNote, order.ReferralCode, order.IsPromotion, order.IsFirstOrder,
                order.PlacedAt, order.PaidAt, order.CompletedAt, order.SettleDueAt, order.SettledAt, order.OpenAfterSales, order.GoodsFen,
                order.LineDiscountFen, order.OrderDiscountFen, order.ShippingFen, order.TaxFen, order.PaidFen, order.RefundedFen,
                order.Lines.OrderBy(l => l.LineNo).Select(l => new LineView(l.LineNo, l.Sku, l.Name, l.Category, l.Quantity, l.UnitPriceFen,
                    l.LineDiscountFen, l.OrderDiscountFen, l.PaidFen, l.RefundedFen)).ToList(),
                commission.Select(x => new CommissionView(x.LineNo, x.Kind.ToString(), x.EarnerKind.ToString(), x.EarnerId, names.GetValueOrDefault(x.EarnerId),
                    x.RuleId, x.RuleVersion, x.RuleName, x.Rate, x.Tier, x.BaseFen, x.AmountFen, x.ReversedFen, x.SettledAt,
                    english ? x.ExplanationEn : x.ExplanationZh)).ToList(),
                events.Select(e => new EventView(e.Kind.ToString(), e.Key, e.At, e.AmountFen, e.Note, RefundedLines(e.RefundLines))).ToList(),
                order.RegionId is { } region ? names.GetValueOrDefault(region.Value) : null,
                ListOrders.StatusOf(order.RefundedFen, order.PaidFen - order.ShippingFen - order.TaxFen, order.OpenAfterSales, order.SettledAt, order.SettleDueAt).ToString());
        }
    }

    /// <summary>"1:1000;3:250" as stored on a refund event.</summary>
    private static List<RefundedLine>? RefundedLines(string? stored) => stored is null ? null
        : stored.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split(':'))
            .Select(p => new RefundedLine(int.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture), long.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture))).ToList();
}

/// <summary>Which orders an actor sees: a guide or partner only orders credited to them, managers their stores',
/// HQ all.</summary>
public static class OrderAccess
{
    public static Guid? OwnId(Actor actor) => actor.Scope.OwnCustomersOf?.Value ?? actor.Scope.OwnCustomersOfPartner?.Value;

    public static IQueryable<Order> VisibleOrders(this GuidelinkDb db, Actor actor)
    {
        if (actor.Scope.IsBrandWide) return db.Orders;
        if (OwnId(actor) is { } own) return db.Orders.Where(o => o.CreditId == own);
        var stores = Organization.OrgViews.VisibleStores(db, actor.Scope).Select(s => s.Id);
        return db.Orders.Where(o => stores.Contains(o.StoreId));
    }
}
