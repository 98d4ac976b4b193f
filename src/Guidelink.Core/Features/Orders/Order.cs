using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Features.Orders;

public enum OrderChannel { MiniMall, Pos, Livestream, Other }

/// <summary>A paid order, credited once and for good: the owner, store and region as of <see cref="PlacedAt"/>
/// are stored on it, so a later change of owner never moves the sale or its commission.</summary>
public sealed class Order : ITenantOwned
{
    private Order() { }

    public TenantId TenantId { get; private set; }
    public Guid Id { get; private set; }
    public OrderChannel Channel { get; private set; }
    /// <summary>The order number in the channel's own system; with the channel, the idempotency key.</summary>
    public string ExternalNo { get; private set; } = "";
    /// <summary>SHA-256 of the request's canonical form: a retry with the same body gets the first answer,
    /// the same key with a different body is a conflict.</summary>
    public string RequestHash { get; private set; } = "";
    public StoreId StoreId { get; private set; }
    public RegionId? RegionId { get; private set; }
    public CustomerId? CustomerId { get; private set; }
    /// <summary>The owner credited at placedAt; null when the customer sat in the store pool (or was anonymous).</summary>
    public OwnerKind? CreditKind { get; private set; }
    public Guid? CreditId { get; private set; }
    /// <summary>Why the order is credited as it is, in English (for the order detail and statements).</summary>
    public string CreditNote { get; private set; } = "";
    public string? ReferralCode { get; private set; }
    public bool IsPromotion { get; private set; }
    /// <summary>The customer's first paid order (for the new-customer bounty).</summary>
    public bool IsFirstOrder { get; private set; }
    public DateTimeOffset PlacedAt { get; private set; }
    public DateTimeOffset PaidAt { get; private set; }
    public DateTimeOffset? CompletedAt { get; private set; }
    /// <summary>When the return window closes and the commission may become available; unknown until completion
    /// for online orders, payment + window for POS orders.</summary>
    public DateTimeOffset? SettleDueAt { get; private set; }
    public DateTimeOffset? SettledAt { get; private set; }
    public int OpenAfterSales { get; private set; }
    public long GoodsFen { get; private set; }
    public long LineDiscountFen { get; private set; }
    public long OrderDiscountFen { get; private set; }
    public long ShippingFen { get; private set; }
    public long TaxFen { get; private set; }
    public long PaidFen { get; private set; }
    public long RefundedFen { get; private set; }
    public DateTimeOffset RecordedAt { get; private set; }
    /// <summary>Bumped by every event, so two events racing on one order cannot both win.</summary>
    public int Version { get; private set; }

    public List<OrderLine> Lines { get; private set; } = [];

    public Owner? Credit => CreditKind is { } k && CreditId is { } id ? new Owner(k, id) : null;

    public static Order Create(TenantId tenant, OrderChannel channel, string externalNo, string requestHash, StoreId store, RegionId? region,
        CustomerId? customer, DateTimeOffset placedAt, DateTimeOffset paidAt, DateTimeOffset now) => new()
        {
            TenantId = tenant,
            Id = Guid.CreateVersion7(),
            Channel = channel,
            ExternalNo = externalNo,
            RequestHash = requestHash,
            StoreId = store,
            RegionId = region,
            CustomerId = customer,
            PlacedAt = placedAt,
            PaidAt = paidAt,
            RecordedAt = now,
        };

    public void CreditTo(Owner? owner, string note, bool firstOrder)
    {
        CreditKind = owner?.Kind;
        CreditId = owner?.Id;
        CreditNote = note;
        IsFirstOrder = firstOrder;
    }

    public void SetAmounts(long goods, long lineDiscount, long orderDiscount, long shipping, long tax, long paid, bool promotion, string? referralCode)
    {
        (GoodsFen, LineDiscountFen, OrderDiscountFen, ShippingFen, TaxFen, PaidFen) = (goods, lineDiscount, orderDiscount, shipping, tax, paid);
        IsPromotion = promotion;
        ReferralCode = referralCode;
    }

    /// <summary>POS orders are handed over at the till: the return window runs from payment.</summary>
    public void StartReturnWindowAtPayment(TimeSpan window) => SettleDueAt = PaidAt + window;

    public bool Complete(DateTimeOffset at, TimeSpan window)
    {
        if (CompletedAt is not null) return false;
        CompletedAt = at;
        SettleDueAt ??= at + window;
        Version++;
        return true;
    }

    public void OpenAfterSale() { OpenAfterSales++; Version++; }

    public void CloseAfterSale() { if (OpenAfterSales > 0) OpenAfterSales--; Version++; }

    public void AddRefund(long fen) { RefundedFen += fen; Version++; }

    public void MarkSettled(DateTimeOffset now) { SettledAt = now; Version++; }
}

/// <summary>One line of an order. <see cref="PaidFen"/> is the base of commission: after the line's own discount
/// and its share of the order discount, without shipping or tax.</summary>
public sealed class OrderLine : ITenantOwned
{
    private OrderLine() { }

    public TenantId TenantId { get; private set; }
    public Guid OrderId { get; private set; }
    public int LineNo { get; private set; }
    public string Sku { get; private set; } = "";
    public string Name { get; private set; } = "";
    public string Category { get; private set; } = "";
    public int Quantity { get; private set; }
    public long UnitPriceFen { get; private set; }
    public long LineDiscountFen { get; private set; }
    public long OrderDiscountFen { get; private set; }
    public long PaidFen { get; private set; }
    public long RefundedFen { get; private set; }

    public static OrderLine Create(TenantId tenant, Guid order, int lineNo, string sku, string name, string category, int quantity,
        long unitPrice, long lineDiscount, long orderDiscountShare) => new()
        {
            TenantId = tenant,
            OrderId = order,
            LineNo = lineNo,
            Sku = sku,
            Name = name,
            Category = category,
            Quantity = quantity,
            UnitPriceFen = unitPrice,
            LineDiscountFen = lineDiscount,
            OrderDiscountFen = orderDiscountShare,
            PaidFen = quantity * unitPrice - lineDiscount - orderDiscountShare,
        };

    public long RefundableFen => PaidFen - RefundedFen;

    public void Refund(long fen) => RefundedFen += fen;
}

public enum OrderEventKind { Completed, AfterSaleOpened, AfterSaleClosed, Refunded }

/// <summary>Something that happened to an order after payment, idempotent by its own key (a refund by its
/// refund number). Kept for the order's history; a refund's lines are in <see cref="RefundLines"/>.</summary>
public sealed class OrderEvent : ITenantOwned
{
    private OrderEvent() { }

    public TenantId TenantId { get; private set; }
    public Guid Id { get; private set; }
    public Guid OrderId { get; private set; }
    public OrderEventKind Kind { get; private set; }
    public string Key { get; private set; } = "";
    public string RequestHash { get; private set; } = "";
    public DateTimeOffset At { get; private set; }
    public DateTimeOffset RecordedAt { get; private set; }
    public string? Note { get; private set; }
    public long AmountFen { get; private set; }
    /// <summary>For a refund: "lineNo:fen" pairs, e.g. "1:1000;3:250".</summary>
    public string? RefundLines { get; private set; }

    public static OrderEvent Create(TenantId tenant, Guid order, OrderEventKind kind, string key, string requestHash, DateTimeOffset at,
        DateTimeOffset now, string? note, long amount = 0, string? refundLines = null) => new()
        {
            TenantId = tenant,
            Id = Guid.CreateVersion7(),
            OrderId = order,
            Kind = kind,
            Key = key,
            RequestHash = requestHash,
            At = at,
            RecordedAt = now,
            Note = note,
            AmountFen = amount,
            RefundLines = refundLines,
        };
}
