using System.Globalization;

namespace Guidelink.Web.Tests.MoneyModel;

/// <summary>Draws the next operation from a seeded <see cref="Random"/> and the reference model's state (which orders
/// exist, what is left to refund, which after-sale requests are open), and says how far the fake clock moves first.
/// Withdrawals, approvals and payout callbacks join as new branches of <see cref="Next"/> (see the TODO list on
/// <see cref="MoneyModelTests"/>).</summary>
internal sealed class OperationGenerator(Random random, ReferenceModel model, IReadOnlyList<EarnerRef> earners, IReadOnlyList<Guid> stores,
    int phoneCount, DateTimeOffset earliestPlacedAt)
{
    private sealed record Product(string Sku, string Name, string Category, long UnitFen);

    private static readonly Product[] Products =
    [
        new("SOFA-01", "云朵沙发", "sofa", 299_900),
        new("SOFA-02", "真皮沙发", "sofa", 459_999),
        new("LAMP-02", "落地灯", "lighting", 15_000),
        new("LAMP-03", "台灯", "lighting", 8_990),
        new("CHAIR-01", "餐椅", "chair", 39_900),
        new("CUSHION-01", "靠垫", "textile", 5_990),
        new("RUG-07", "地毯", "textile", 33_333),
    ];

    private readonly List<Op> _sent = [];
    private readonly List<WithdrawOp> _withdrawals = [];
    private PayoutModel? _payouts;
    private Func<string, Guidelink.Testing.WeChat.FakeBill?> _billOf = _ => null;
    private int _withdrawNo;
    private int _hangs;

    /// <summary>Mixes withdrawals, approvals, sender runs, WeChat's bill moves and reconciliation runs into <see cref="Next"/>.</summary>
    public void EnablePayouts(PayoutModel payouts, Func<string, Guidelink.Testing.WeChat.FakeBill?> billOf) => (_payouts, _billOf) = (payouts, billOf);
    private int _orderNo;
    private int _eventNo;

    /// <summary>Requests that may be sent again as they were.</summary>
    public void Sent(Op op)
    {
        if (op is OrderOp or EventOp) _sent.Add(op);
        else if (op is WithdrawOp { Expected: not null } w) _withdrawals.Add(w);
        else if (op is OrderBatchOp batch) _sent.AddRange(batch.Orders);
        else if (op is ParallelOp parallel) foreach (var o in parallel.Ops) Sent(o);
        else if (op is DuplicateOp duplicate) Sent(duplicate.Op);
    }

    /// <summary>How far the clock moves before the next operation: mostly minutes, sometimes days (whole seconds, at least one).</summary>
    public TimeSpan NextAdvance()
    {
        var roll = random.Next(100);
        if (roll < 3) return TimeSpan.FromSeconds(random.Next(86_400, 4 * 86_400));
        if (roll < 20) return TimeSpan.FromSeconds(random.Next(3_600, 12 * 3_600));
        return TimeSpan.FromSeconds(random.Next(30, 3_600));
    }

    public Op Next(DateTimeOffset now)
    {
        if (_payouts is not null && random.Next(100) < 18) return PayoutOperation();
        var roll = random.Next(100);
        return roll switch
        {
            < 28 => random.Next(2) == 0 ? TouchWave() : Touch(),
            < 50 => random.Next(10) < 6 ? Batch(now) : NewOrder(now, allowLate: true, allowCode: true, phone: null),
            < 60 => (Op?)Complete(now) ?? Touch(),
            < 63 => (Op?)AfterSale(now, open: true) ?? Touch(),
            < 65 => (Op?)AfterSale(now, open: false) ?? Touch(),
            < 76 => (Op?)Refund(now) ?? Touch(),
            < 79 => new SettleOp(),
            < 81 => PartnerStatus(),
            < 88 => _sent.Count == 0 ? Touch() : new RetryOp(_sent[_sent.Count - 1 - (int)(_sent.Count * Math.Pow(random.NextDouble(), 3))]),
            < 94 => Parallel(now),
            _ => Duplicate(now),
        };
    }

    private string Phone() => random.Next(3) > 0 && model.Customers.Count > 20
        ? model.Customers.Keys.ElementAt(random.Next(model.Customers.Count))
        : string.Create(CultureInfo.InvariantCulture, $"139{random.Next(phoneCount):00000000}");

    private EarnerRef AnyEarner() => earners[random.Next(earners.Count)];

    private TouchOp Touch() => new(Phone(), AnyEarner());

    /// <summary>4–16 touches of different customers at once (the API's group-commit writer decides them together).</summary>
    private Op TouchWave()
    {
        var touches = Enumerable.Range(0, random.Next(4, 17)).Select(_ => Touch()).DistinctBy(t => t.Phone).ToList<Op>();
        return touches.Count == 1 ? touches[0] : new ParallelOp(touches);
    }

    private PartnerStatusOp PartnerStatus()
    {
        var partners = earners.Where(e => e.IsPartner).ToList();
        var p = partners[random.Next(partners.Count)];
        return new PartnerStatusOp(p, Freeze: model.IsActive(p.Holder));
    }

    private OrderOp NewOrder(DateTimeOffset now, bool allowLate, bool allowCode, string? phone, DateTimeOffset? placedAt = null)
    {
        var pos = random.Next(100) < 35;
        var no = string.Create(CultureInfo.InvariantCulture, $"{(pos ? "POS" : "MM")}-{++_orderNo:000000}");
        phone ??= Phone();
        var code = allowCode && random.Next(100) < 30 ? AnyEarner() : null;
        var at = placedAt ?? now;
        if (placedAt is null && allowLate && random.Next(100) < 15)
        {
            at = now - TimeSpan.FromSeconds(random.Next(60, 10 * 86_400));
            if (at < earliestPlacedAt) at = earliestPlacedAt + TimeSpan.FromSeconds(random.Next(1, 3_600));
        }

        var lines = new List<ReferenceModel.OrderLineSpec>();
        var count = random.Next(1, 4);
        foreach (var product in Products.OrderBy(_ => random.Next()).Take(count))
        {
            var qty = random.Next(100) < 30 ? random.Next(2, 6) : 1;
            var gross = qty * product.UnitFen;
            var discount = random.Next(100) switch
            {
                < 60 => 0L,
                < 97 => random.NextInt64(1, gross / 5 + 2),
                _ => gross, // a line given away: pays 0, its per-unit commission still stands
            };
            lines.Add(new ReferenceModel.OrderLineSpec(product.Sku, product.Category, qty, product.UnitFen, Math.Min(discount, gross)));
        }
        var afterLines = lines.Sum(l => l.Quantity * l.UnitFen - l.DiscountFen);
        var orderDiscount = afterLines > 0 && random.Next(100) < 40 ? random.NextInt64(1, afterLines / 6 + 2) : 0;
        orderDiscount = Math.Min(orderDiscount, afterLines);
        var shipping = random.Next(100) < 30 ? 1_000L : 0;
        var tax = random.Next(100) < 10 ? random.NextInt64(100, 5_000) : 0;
        var paid = afterLines - orderDiscount + shipping + tax;
        var store = stores[random.Next(stores.Count)];
        var body = new
        {
            channel = pos ? "Pos" : "MiniMall",
            externalNo = no,
            storeId = store,
            customer = new { phone },
            referralCode = code?.Code,
            lines = lines.Select(l => new
            {
                sku = l.Sku,
                name = Products.First(p => p.Sku == l.Sku).Name,
                category = l.Category,
                quantity = l.Quantity,
                unitPrice = Yuan(l.UnitFen),
                discount = l.DiscountFen == 0 ? (decimal?)null : Yuan(l.DiscountFen),
            }).ToList(),
            orderDiscount = Yuan(orderDiscount),
            shipping = Yuan(shipping),
            tax = Yuan(tax),
            paid = Yuan(paid),
            placedAt = at,
        };
        return new OrderOp(no, pos, phone, code, at, lines, orderDiscount, body);
    }

    /// <summary>Orders through the batch endpoint: a few of one customer among them, placed a second apart.</summary>
    private OrderBatchOp Batch(DateTimeOffset now)
    {
        var n = random.Next(2, 41);
        var orders = new List<OrderOp>();
        var shared = Phone();
        for (var i = 0; i < n; i++)
            orders.Add(NewOrder(now, allowLate: false, allowCode: true, phone: random.Next(4) == 0 ? shared : null, placedAt: now - TimeSpan.FromSeconds(n - i)));
        return new OrderBatchOp(orders);
    }

    private ReferenceModel.Order? PickOrder(Func<ReferenceModel.Order, bool> fits, ISet<string>? not = null)
    {
        var orders = model.Orders;
        if (orders.Count == 0) return null;
        for (var attempt = 0; attempt < 30; attempt++)
        {
            var o = orders[orders.Count - 1 - (int)(orders.Count * Math.Pow(random.NextDouble(), 2))];
            if (fits(o) && (not is null || !not.Contains(o.ExternalNo))) return o;
        }
        return null;
    }

    private EventOp? Complete(DateTimeOffset now, ISet<string>? not = null)
    {
        var o = PickOrder(o => !o.Completed, not);
        if (o is null) return null;
        var at = now - TimeSpan.FromSeconds(random.Next(0, 3 * 86_400));
        if (at < o.PaidAt) at = o.PaidAt;
        return Event(o, EventKind.Completed, "completed", at, null);
    }

    private EventOp? AfterSale(DateTimeOffset now, bool open, ISet<string>? not = null)
    {
        if (open)
        {
            var o = PickOrder(o => !o.Settled || random.Next(10) == 0, not);
            return o is null ? null : Event(o, EventKind.AfterSaleOpened, $"AS-{++_eventNo}", now, null);
        }
        var c = PickOrder(o => o.OpenedKeys.Except(o.ClosedKeys).Any(), not);
        return c is null ? null : Event(c, EventKind.AfterSaleClosed, c.OpenedKeys.Except(c.ClosedKeys).First(), now, null);
    }

    private EventOp? Refund(DateTimeOffset now, ISet<string>? not = null)
    {
        var o = PickOrder(o => o.Lines.Any(l => l.RefundableFen > 0), not);
        if (o is null) return null;
        var open = o.Lines.Select((l, i) => (Line: l, No: i + 1)).Where(x => x.Line.RefundableFen > 0).ToList();
        List<(int LineNo, long? Fen)>? parts;
        var roll = random.Next(100);
        if (roll < 20) parts = null;
        else if (roll < 45) parts = [(open[random.Next(open.Count)].No, null)];
        else
        {
            parts = [];
            foreach (var x in open.OrderBy(_ => random.Next()).Take(random.Next(1, Math.Min(2, open.Count) + 1)))
                parts.Add((x.No, random.Next(5) == 0 ? x.Line.RefundableFen : random.NextInt64(1, x.Line.RefundableFen + 1)));
        }
        return Event(o, EventKind.Refunded, $"RF-{++_eventNo}", now, parts);
    }

    private static EventOp Event(ReferenceModel.Order o, EventKind kind, string key, DateTimeOffset at, List<(int LineNo, long? Fen)>? parts)
    {
        var body = new
        {
            kind = kind.ToString(),
            key,
            at,
            lines = parts?.Select(p => new { lineNo = p.LineNo, amount = p.Fen is { } f ? Yuan(f) : (decimal?)null }).ToList(),
        };
        return new EventOp(o.ExternalNo, kind, key, at, parts, body);
    }

    /// <summary>2–8 operations whose order cannot matter: touches and new orders of different customers (new orders not
    /// late, without a code, credited to different earners), events on different orders.</summary>
    private Op Parallel(DateTimeOffset now)
    {
        var n = random.Next(2, 9);
        var phones = new HashSet<string>(StringComparer.Ordinal);
        var orders = new HashSet<string>(StringComparer.Ordinal);
        var credited = new HashSet<string>(StringComparer.Ordinal);
        var ops = new List<Op>();
        for (var attempt = 0; ops.Count < n && attempt < 30; attempt++)
        {
            Op? op = random.Next(5) switch
            {
                0 => Touch(),
                1 => NewOrder(now, allowLate: false, allowCode: false, phone: null),
                2 => Refund(now, orders),
                3 => Complete(now, orders),
                _ => AfterSale(now, random.Next(2) == 0, orders),
            };
            switch (op)
            {
                case TouchOp t when phones.Add(t.Phone):
                    ops.Add(t);
                    break;
                case OrderOp o when !phones.Contains(o.Phone):
                    var owner = model.Customers.GetValueOrDefault(o.Phone)?.Owner;
                    if (owner is not null && !credited.Add(owner)) break;
                    phones.Add(o.Phone);
                    ops.Add(o);
                    break;
                case EventOp e when orders.Add(e.ExternalNo):
                    ops.Add(e);
                    break;
            }
        }
        return ops.Count switch
        {
            0 => Touch(),
            1 => ops[0],
            _ => new ParallelOp(ops),
        };
    }

    private DuplicateOp Duplicate(DateTimeOffset now)
    {
        Op op = random.Next(5) switch
        {
            0 => Touch(),
            1 => NewOrder(now, allowLate: true, allowCode: true, phone: null),
            2 => (Op?)Refund(now) ?? Touch(),
            3 => (Op?)Complete(now) ?? new SettleOp(),
            _ => new SettleOp(),
        };
        return new DuplicateOp(op, random.Next(2, 4));
    }

    private Op PayoutOperation()
    {
        var payouts = _payouts!;
        var roll = random.Next(100);
        if (roll < 32) return Withdraw();
        var retriable = _withdrawals.Where(w => model.IsActive(w.Partner.Holder)).ToList();
        if (roll < 34 && retriable.Count > 0) return new RetryOp(retriable[random.Next(retriable.Count)]);
        if (roll < 50) return (Op?)Decide(payouts) ?? Withdraw();
        if (roll < 68) return new SendPayoutsOp(random.Next(100) switch
        {
            < 70 => SenderFault.None,
            < 80 => SenderFault.ServerError,
            < 88 => SenderFault.AcceptThenDrop,
            < 95 => SenderFault.ServerErrorAfterAccept,
            _ => _hangs++ < 4 ? SenderFault.Hang : SenderFault.ServerError,
        });
        if (roll < 95) return (Op?)MoveBill(payouts) ?? new SendPayoutsOp(SenderFault.None);
        return new ReconcileOp();
    }

    /// <summary>A withdrawal by an active partner: sometimes below the minimum or above Available (refused), mostly within
    /// what is certainly Available (never inside the band that depends on a return the server may not know yet).</summary>
    private WithdrawOp Withdraw()
    {
        var payouts = _payouts!;
        var min = payouts.MinimumFen;
        var roll = random.Next(100);
        var partners = earners.Where(e => e.IsPartner && model.IsActive(e.Holder)).ToList();
        // Mostly someone who has something to withdraw (everyone now and then: the unbound partner, the empty-handed).
        var having = partners.Where(e => payouts.IsBound(e.Holder) && payouts.Available(e.Holder).Low >= min).ToList();
        if (roll >= 18 && having.Count > 0 && random.Next(100) < 92) partners = having;
        var p = partners.Count == 0 ? earners.First(e => e.IsPartner) : partners[random.Next(partners.Count)];
        var (low, high) = payouts.Available(p.Holder);
        var key = $"W-{++_withdrawNo}";
        long gross;
        if (roll < 8) gross = random.NextInt64(1, min);
        else if (roll < 18 || low < min) gross = Math.Max(min, high + 1) + random.NextInt64(0, 50_000);
        else
        {
            var top = random.Next(100) switch { < 45 => Math.Min(low, 30_000), < 80 => Math.Min(low, 300_000), _ => low };
            gross = random.NextInt64(min, top + 1);
        }
        return new WithdrawOp(p, gross, key);
    }

    private DecideOp? Decide(PayoutModel payouts)
    {
        var awaiting = payouts.Payouts.Where(x => x.State == PayoutModel.State.AwaitingApproval).ToList();
        // Now and then a decision on a payout that is not awaiting approval (409), or the same approver again.
        var pool = awaiting.Count == 0 || random.Next(100) < 8 ? payouts.Payouts.ToList() : awaiting;
        if (pool.Count == 0) return null;
        return new DecideOp(pool[random.Next(pool.Count)], random.Next(2), Approve: random.Next(100) < 80);
    }

    /// <summary>WeChat moves a bill it holds (the user confirms, or the bill ends), or re-delivers a final state the server
    /// may have missed.</summary>
    private BillOp? MoveBill(PayoutModel payouts)
    {
        var delivery = random.Next(100) switch
        {
            < 15 => Delivery.None,
            < 55 => Delivery.Once,
            < 70 => Delivery.Twice,
            < 85 => Delivery.TwiceAtOnce,
            _ => Delivery.AfterAnOlderOne,
        };
        var unconfirmed = payouts.Payouts.Where(x => x.ReturnUnconfirmed).ToList();
        if (unconfirmed.Count > 0 && random.Next(100) < 25) return new BillOp(unconfirmed[random.Next(unconfirmed.Count)], "REDELIVER", Delivery.Once);
        var open = payouts.Payouts.Where(x => x.State == PayoutModel.State.Approved && x.OutBillNo is { } no && _billOf(no) is { IsFinal: false }).ToList();
        if (open.Count == 0) return null;
        var p = open[random.Next(open.Count)];
        var state = _billOf(p.OutBillNo!)!.State;
        var target = random.Next(100) switch
        {
            < 30 when state == "WAIT_USER_CONFIRM" => "TRANSFERING",
            < 75 => "SUCCESS",
            < 90 => "FAIL",
            _ => "CANCELLED",
        };
        return new BillOp(p, target, target == "TRANSFERING" && delivery == Delivery.AfterAnOlderOne ? Delivery.Once : delivery);
    }

    /// <summary>At the end: every payout awaiting approval is decided, so every payout can reach a final state.</summary>
    public IEnumerable<DecideOp> DecideAll()
    {
        foreach (var p in _payouts!.Payouts.Where(x => x.State == PayoutModel.State.AwaitingApproval).ToList())
        {
            if (random.Next(100) < 20) yield return new DecideOp(p, random.Next(2), Approve: false);
            else
                for (var a = p.Approvers.Count == 0 ? 0 : 1 - p.Approvers.First(); p.State == PayoutModel.State.AwaitingApproval; a = 1 - a)
                    yield return new DecideOp(p, a, Approve: true);
        }
    }

    /// <summary>At the end: WeChat ends every open bill (notifications delivered or lost as in the run).</summary>
    public IEnumerable<BillOp> FinishAll()
    {
        foreach (var p in _payouts!.Payouts.Where(x => x.State == PayoutModel.State.Approved && x.OutBillNo is { } no && _billOf(no) is { IsFinal: false }).ToList())
            yield return new BillOp(p, random.Next(100) switch { < 70 => "SUCCESS", < 90 => "FAIL", _ => "CANCELLED" },
                random.Next(100) < 25 ? Delivery.None : Delivery.Once);
    }

    public static decimal Yuan(long fen) => fen / 100m;
}
