namespace Guidelink.Web.Tests.MoneyModel;

/// <summary>Someone who can own a customer and earn: a partner or an official guide, with their referral code.</summary>
internal sealed record EarnerRef(string Holder, Guid Id, string Code, bool IsPartner)
{
    public string Kind => Holder[..Holder.IndexOf(':', StringComparison.Ordinal)];
    public override string ToString() => $"{Kind}:…{Id.ToString()[^6..]}";
}

/// <summary>One operation of the model test. Each is applied to the reference model and sent to the server; a new kind
/// of operation (a withdrawal, an approval, a payout callback) is a new record here, a case in
/// <see cref="MoneyModelTests"/>' Apply and Send, and a branch in the generator.</summary>
internal abstract record Op
{
    /// <summary>Logical operations it counts for (a batch of n orders counts n).</summary>
    public virtual int Count => 1;
}

internal sealed record TouchOp(string Phone, EarnerRef Toucher) : Op
{
    public override string ToString() => $"touch {Phone} by {Toucher}";
}

internal sealed record OrderOp(string ExternalNo, bool Pos, string Phone, EarnerRef? Code, DateTimeOffset PlacedAt,
    IReadOnlyList<ReferenceModel.OrderLineSpec> Lines, long OrderDiscountFen, object Body) : Op
{
    public override string ToString() =>
        $"order {ExternalNo} {(Pos ? "POS" : "mall")} {Phone} code={Code?.ToString() ?? "-"} placedAt={PlacedAt:MM-dd HH:mm:ss} lines={string.Join(',', Lines.Select(l => $"{l.Sku}×{l.Quantity}"))} orderDiscount={OrderDiscountFen}";
}

/// <summary>Orders sent together through <c>POST /api/orders/batch</c>; the server decides them in order.</summary>
internal sealed record OrderBatchOp(IReadOnlyList<OrderOp> Orders) : Op
{
    public override int Count => Orders.Count;
    public override string ToString() => $"batch of {Orders.Count}: {string.Join(" | ", Orders)}";
}

internal enum EventKind { Completed, AfterSaleOpened, AfterSaleClosed, Refunded }

/// <summary>An order event; for a refund, parts are (line, fen) with null fen for "all that is left of the line",
/// and null parts for "everything left on the order".</summary>
internal sealed record EventOp(string ExternalNo, EventKind Kind, string Key, DateTimeOffset At, IReadOnlyList<(int LineNo, long? Fen)>? Parts, object Body) : Op
{
    public override string ToString() =>
        $"{Kind} {ExternalNo} key={Key} at={At:MM-dd HH:mm:ss}{(Kind == EventKind.Refunded ? " " + (Parts is null ? "whole order" : string.Join(',', Parts.Select(p => $"L{p.LineNo}:{p.Fen?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "rest"}"))) : "")}";
}

internal sealed record SettleOp : Op
{
    public override string ToString() => "settlement run";
}

internal sealed record PartnerStatusOp(EarnerRef Partner, bool Freeze) : Op
{
    public override string ToString() => $"{(Freeze ? "freeze" : "approve")} {Partner}";
}

/// <summary>An earlier request sent again with the same key and body (a client retry): the server answers with the first
/// answer and the model changes nothing.</summary>
internal sealed record RetryOp(Op Original) : Op
{
    public override string ToString() => $"retry of [{Original}]";
}

/// <summary>Independent operations sent at the same time (the generator made sure their order cannot matter: different
/// customers, different orders, different credited earners for new orders).</summary>
internal sealed record ParallelOp(IReadOnlyList<Op> Ops) : Op
{
    public override int Count => Ops.Sum(o => o.Count);
    public override string ToString() => $"parallel: {string.Join(" || ", Ops)}";
}

/// <summary>The same request sent <see cref="Copies"/> times at once (an injected fault: a client that double-submits).
/// Counts as one operation.</summary>
internal sealed record DuplicateOp(Op Op, int Copies) : Op
{
    public override string ToString() => $"{Copies}× at once: {Op}";
}

/// <summary>A partner asks to withdraw <see cref="GrossFen"/> (with an idempotency key). <see cref="Expected"/> is what the
/// reference model decided when the operation was applied: a new payout, or the field of the refusal.</summary>
internal sealed record WithdrawOp(EarnerRef Partner, long GrossFen, string Key) : Op
{
    public PayoutModel.Payout? Expected { get; set; }
    public string? RefusedField { get; set; }
    public override string ToString() => $"withdraw {Partner} {GrossFen} fen key={Key}";
}

/// <summary>Finance approves or rejects a payout (approver 0 = demo-finance, 1 = finance-2).</summary>
internal sealed record DecideOp(PayoutModel.Payout Payout, int Approver, bool Approve) : Op
{
    /// <summary>The model's answer: the payout's status after the decision, or null for 409.</summary>
    public string? ExpectedStatus { get; set; }
    public override string ToString() => $"{(Approve ? "approve" : "reject")} {Payout} by approver {Approver}";
}

internal enum SenderFault { None, ServerError, ServerErrorAfterAccept, Hang, AcceptThenDrop }

/// <summary>One run of the payout sender job, the next WeChat Pay request answering with <see cref="Fault"/>.</summary>
internal sealed record SendPayoutsOp(SenderFault Fault) : Op
{
    public override string ToString() => $"payout sender run (fault: {Fault})";
}

internal enum Delivery { None, Once, Twice, TwiceAtOnce, AfterAnOlderOne }

/// <summary>The fake WeChat Pay moves a bill: the user confirms (TRANSFERING), or it ends in SUCCESS / FAIL / CANCELLED;
/// its notification is delivered as <see cref="Delivery"/> says (None: lost), or an earlier final state is re-delivered.</summary>
internal sealed record BillOp(PayoutModel.Payout Payout, string Target, Delivery Delivery) : Op
{
    public override string ToString() => $"bill {Payout.OutBillNo} → {Target}, notification {Delivery}";
}

internal sealed record ReconcileOp : Op
{
    public override string ToString() => "payout reconciliation run";
}
