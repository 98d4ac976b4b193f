namespace Guidelink.Web.Tests.MoneyModel;

/// <summary>An independent reference model of the money path, written from DOMAIN.md ("Rules that settle the hard
/// cases") for the small, fixed rule set the model test configures — it never calls Core's engine, so a disagreement
/// with the server's ledger is a real finding on one side or the other. Earners and owners are named by their ledger
/// holder ("PartTimeGuide:{id}", "OfficialGuide:{id}"). All money is integer fen; all rounding half up.
/// <para>What it models: first-touch attribution with a protection period (half-open windows, renewed only by the
/// owner's own touch, frozen partners' touches recorded but never binding, late input decided as of its own time
/// without revising later decisions), pooled customers, the credit snapshot at placedAt, the order discount spread
/// (rounded down, remainder one fen each to the largest lines with a fraction, earlier line first), per-line commission (the most
/// specific rule for the owner's kind; percent rounded once per line; fixed per unit × quantity; 0 pays nothing),
/// the new-customer bounty with its brand-day cap (no partial bounty), proportional refund reversal with the line's
/// last refund taking what is left (bounty reversed only when the whole order is refunded), Pending → Available at
/// completion + return window (POS: payment + window) unless an after-sale request is open.</para></summary>
internal sealed class ReferenceModel(TimeSpan protection, TimeSpan returnWindow, long bountyFen, long? bountyDailyCapFen, TimeZoneInfo brandZone,
    IReadOnlyList<ReferenceModel.Rule> rules)
{
    /// <summary>A commission rule as the model needs it: the owner kinds it pays (empty: all), its scope and one rate.</summary>
    public sealed record Rule(string Name, IReadOnlyList<string> Kinds, string? Sku, string? Category, int? BasisPoints, long? FenPerUnit);

    public sealed record Decision(DateTimeOffset At, long Seq, string? Owner, DateTimeOffset? ProtectedUntil);

    public sealed class Customer(string phone)
    {
        public string Phone { get; } = phone;
        public string? Owner { get; set; }
        public DateTimeOffset? ProtectedUntil { get; set; }
        public List<Decision> Decisions { get; } = [];
        public (DateTimeOffset At, long Seq, string Toucher)? FirstTouch { get; set; }
        public List<DateTimeOffset> OrderTimes { get; } = [];
    }

    public sealed class Line(string sku, string category, int quantity, long unitFen, long discountFen)
    {
        public string Sku { get; } = sku;
        public string Category { get; } = category;
        public int Quantity { get; } = quantity;
        public long UnitFen { get; } = unitFen;
        public long DiscountFen { get; } = discountFen;
        public long AmountFen => Quantity * UnitFen - DiscountFen;
        public long OrderDiscountShareFen { get; set; }
        public long PaidFen => AmountFen - OrderDiscountShareFen;
        public long RefundedFen { get; set; }
        public long RefundableFen => PaidFen - RefundedFen;
    }

    public sealed class Commission(int lineNo, string holder, long amountFen, bool bounty)
    {
        public int LineNo { get; } = lineNo;
        public string Holder { get; } = holder;
        public long AmountFen { get; } = amountFen;
        public bool Bounty { get; } = bounty;
        public long ReversedFen { get; set; }
        public long StandingFen => AmountFen - ReversedFen;
    }

    public sealed class Order(int index, string externalNo, bool pos, string phone, DateTimeOffset placedAt, IReadOnlyList<Line> lines)
    {
        public int Index { get; } = index;
        public string ExternalNo { get; } = externalNo;
        public bool Pos { get; } = pos;
        public string Phone { get; } = phone;
        public DateTimeOffset PlacedAt { get; } = placedAt;
        public DateTimeOffset PaidAt => PlacedAt;
        public IReadOnlyList<Line> Lines { get; } = lines;
        public string? Credit { get; set; }
        public DateTimeOffset? SettleDueAt { get; set; }
        public bool Completed { get; set; }
        public bool Settled { get; set; }
        public int OpenAfterSales { get; set; }
        public HashSet<string> OpenedKeys { get; } = new(StringComparer.Ordinal);
        public HashSet<string> ClosedKeys { get; } = new(StringComparer.Ordinal);
        public HashSet<string> RefundKeys { get; } = new(StringComparer.Ordinal);
        public List<Commission> Commission { get; } = [];
        public bool FullyRefunded => Lines.All(l => l.RefundableFen == 0);
    }

    private readonly Dictionary<string, Customer> _customers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Order> _orders = new(StringComparer.Ordinal);
    private readonly List<Order> _orderList = [];
    private readonly Dictionary<string, bool> _active = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Holder, DateOnly Day), long> _bountyByDay = [];
    private readonly Dictionary<string, Balance> _balances = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Holder, string Order), Balance> _byOrder = [];
    private long _seq;

    /// <summary>An earner's expected Pending, Available, Withdrawing and PaidOut, in fen.</summary>
    public sealed class Balance
    {
        public long Pending { get; set; }
        public long Available { get; set; }
        public long Withdrawing { get; set; }
        public long PaidOut { get; set; }
    }

    /// <summary>A payout's movement of an earner's money (no order): see <see cref="PayoutModel"/>.</summary>
    public void MovePayout(string holder, long available, long withdrawing, long paidOut)
    {
        if (!_balances.TryGetValue(holder, out var b)) _balances[holder] = b = new Balance();
        b.Available += available;
        b.Withdrawing += withdrawing;
        b.PaidOut += paidOut;
    }

    public IReadOnlyDictionary<string, Balance> Balances => _balances;
    public IReadOnlyList<Order> Orders => _orderList;
    public IReadOnlyDictionary<string, Customer> Customers => _customers;
    public Order? OrderOf(string externalNo) => _orders.GetValueOrDefault(externalNo);
    public bool IsActive(string holder) => _active.GetValueOrDefault(holder);

    /// <summary>What one order contributed to one earner (for naming the first order where the server disagrees).</summary>
    public Balance ContributionOf(string holder, string externalNo) => _byOrder.GetValueOrDefault((holder, externalNo)) ?? new Balance();

    public void AddOwner(string holder, bool active) => _active[holder] = active;

    public void SetActive(string holder, bool active) => _active[holder] = active;

    /// <summary>A touch through a code, decided at arrival (no stated time).</summary>
    public void Touch(string phone, string toucher, DateTimeOffset now)
    {
        var customer = CustomerOf(phone);
        Decide(customer, toucher, now, statedTime: false);
    }

    /// <summary>The owner as of <paramref name="at"/>: the latest decision made at or before it (none: the store pool).</summary>
    public static string? OwnerAt(Customer customer, DateTimeOffset at) =>
        customer.Decisions.Where(d => d.At <= at).OrderBy(d => d.At).ThenBy(d => d.Seq).LastOrDefault()?.Owner;

    public sealed record OrderLineSpec(string Sku, string Category, int Quantity, long UnitFen, long DiscountFen);

    /// <summary>A paid order arriving now (placedAt may be in the past); a replay of a known number changes nothing.</summary>
    public Order? PlaceOrder(string externalNo, bool pos, string phone, string? codeOwner, DateTimeOffset placedAt, IReadOnlyList<OrderLineSpec> specs, long orderDiscountFen)
    {
        if (_orders.ContainsKey(externalNo)) return null;
        var customer = CustomerOf(phone);
        if (codeOwner is not null) Decide(customer, codeOwner, placedAt, statedTime: true);

        var lines = specs.Select(s => new Line(s.Sku, s.Category, s.Quantity, s.UnitFen, s.DiscountFen)).ToList();
        SpreadDiscount(lines, orderDiscountFen);
        var order = new Order(_orderList.Count, externalNo, pos, phone, placedAt, lines);
        _orders[externalNo] = order;
        _orderList.Add(order);
        if (pos) order.SettleDueAt = order.PaidAt + returnWindow;

        var credit = OwnerAt(customer, placedAt);
        var first = customer.OrderTimes.TrueForAll(t => t >= placedAt);
        customer.OrderTimes.Add(placedAt);
        order.Credit = credit;
        if (credit is null) return order;

        var kind = credit[..credit.IndexOf(':', StringComparison.Ordinal)];
        for (var i = 0; i < lines.Count; i++)
        {
            var fen = CommissionOf(lines[i], kind);
            if (fen != 0) order.Commission.Add(new Commission(i + 1, credit, fen, bounty: false));
        }
        if (bountyFen > 0 && first && customer.FirstTouch?.Toucher == credit)
        {
            var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(placedAt, brandZone).DateTime);
            var paid = _bountyByDay.GetValueOrDefault((credit, day));
            if (bountyDailyCapFen is not { } cap || paid + bountyFen <= cap)
            {
                _bountyByDay[(credit, day)] = paid + bountyFen;
                order.Commission.Add(new Commission(0, credit, bountyFen, bounty: true));
            }
        }
        foreach (var c in order.Commission) Move(c.Holder, order, pending: c.AmountFen, available: 0);
        return order;
    }

    public void Complete(Order order, DateTimeOffset at)
    {
        if (order.Completed) return;
        order.Completed = true;
        order.SettleDueAt ??= at + returnWindow;
    }

    public static void OpenAfterSale(Order order, string key)
    {
        if (order.OpenedKeys.Add(key)) order.OpenAfterSales++;
    }

    public static void CloseAfterSale(Order order, string key)
    {
        if (order.OpenedKeys.Contains(key) && order.ClosedKeys.Add(key) && order.OpenAfterSales > 0) order.OpenAfterSales--;
    }

    /// <summary>A refund: each part is (line number, fen); null parts refund everything left on the order.</summary>
    public void Refund(Order order, string refundNo, IReadOnlyList<(int LineNo, long? Fen)>? parts)
    {
        if (!order.RefundKeys.Add(refundNo)) return;
        var resolved = parts is null
            ? order.Lines.Select((l, i) => (LineNo: i + 1, Fen: l.RefundableFen)).Where(p => p.Fen > 0).ToList()
            : parts.Select(p => (p.LineNo, Fen: p.Fen ?? order.Lines[p.LineNo - 1].RefundableFen)).ToList();
        foreach (var (lineNo, fen) in resolved)
        {
            var line = order.Lines[lineNo - 1];
            foreach (var c in order.Commission.Where(c => !c.Bounty && c.LineNo == lineNo))
            {
                var left = c.StandingFen;
                var isLast = fen == line.RefundableFen;
                var proportional = HalfUp((Int128)c.AmountFen * fen, line.PaidFen);
                var reversed = isLast ? left : Math.Min(proportional, left);
                Reverse(order, c, reversed);
            }
            line.RefundedFen += fen;
        }
        if (order.FullyRefunded)
            foreach (var b in order.Commission.Where(c => c.Bounty && c.StandingFen > 0)) Reverse(order, b, b.StandingFen);
    }

    /// <summary>The settlement run at <paramref name="now"/>: every order due by then, not settled, with no open after-sale request.</summary>
    public void Settle(DateTimeOffset now)
    {
        foreach (var order in _orderList.Where(o => !o.Settled && o.SettleDueAt is { } due && due <= now && o.OpenAfterSales == 0))
        {
            order.Settled = true;
            foreach (var c in order.Commission.Where(c => c.StandingFen != 0))
                Move(c.Holder, order, pending: -c.StandingFen, available: c.StandingFen);
        }
    }

    private void Reverse(Order order, Commission c, long fen)
    {
        if (fen == 0) return;
        c.ReversedFen += fen;
        if (order.Settled) Move(c.Holder, order, 0, -fen);
        else Move(c.Holder, order, -fen, 0);
    }

    private void Move(string holder, Order order, long pending, long available)
    {
        if (!_balances.TryGetValue(holder, out var b)) _balances[holder] = b = new Balance();
        b.Pending += pending;
        b.Available += available;
        if (!_byOrder.TryGetValue((holder, order.ExternalNo), out var o)) _byOrder[(holder, order.ExternalNo)] = o = new Balance();
        o.Pending += pending;
        o.Available += available;
    }

    private Customer CustomerOf(string phone)
    {
        if (!_customers.TryGetValue(phone, out var c)) _customers[phone] = c = new Customer(phone);
        return c;
    }

    /// <summary>First touch wins, protected for the protection period; see the class summary.</summary>
    private void Decide(Customer customer, string toucher, DateTimeOffset at, bool statedTime)
    {
        var seq = ++_seq;
        if (customer.FirstTouch is not { } first || at < first.At) customer.FirstTouch = (at, seq, toucher);

        // The state the claim is judged against: now, or — for input stated in the past — as of its own time.
        string? owner = customer.Owner;
        var until = customer.ProtectedUntil;
        var late = false;
        if (statedTime && customer.Decisions.Count > 0 && customer.Decisions.Max(d => d.At) > at)
        {
            late = true;
            var asOf = customer.Decisions.Where(d => d.At <= at).OrderBy(d => d.At).ThenBy(d => d.Seq).LastOrDefault();
            owner = asOf?.Owner;
            until = asOf?.ProtectedUntil;
        }

        var newOwner = owner;
        var newUntil = until;
        var renewed = false;
        if (!_active.GetValueOrDefault(toucher)) { }
        else if (owner is null) (newOwner, newUntil) = (toucher, at + protection);
        else if (owner == toucher)
        {
            renewed = true;
            newUntil = until is { } u && u > at + protection ? u : at + protection;
        }
        else if (until is { } end && at < end) { }
        else (newOwner, newUntil) = (toucher, at + protection);

        if (late && newOwner != owner)
        {
            // Late input never revises what was decided after it: recorded, the owner as of then stands.
            customer.Decisions.Add(new Decision(at, seq, owner, until));
            return;
        }
        if (newOwner != owner)
        {
            customer.Owner = newOwner;
            customer.ProtectedUntil = newUntil;
            customer.Decisions.Add(new Decision(at, seq, newOwner, newUntil));
            return;
        }
        if (renewed && customer.Owner == owner && (customer.ProtectedUntil is null || newUntil > customer.ProtectedUntil))
            customer.ProtectedUntil = newUntil;
        customer.Decisions.Add(new Decision(at, seq, newOwner, late ? newUntil : customer.ProtectedUntil));
    }

    /// <summary>Proportional to the line amounts, each part rounded down, the fen left over one each to the largest
    /// lines whose share had a fraction (the earlier first among equals): a line whose share is exact keeps it.</summary>
    private static void SpreadDiscount(List<Line> lines, long discountFen)
    {
        if (discountFen == 0) return;
        var total = lines.Sum(l => l.AmountFen);
        long given = 0;
        foreach (var l in lines)
        {
            l.OrderDiscountShareFen = (long)((Int128)l.AmountFen * discountFen / total);
            given += l.OrderDiscountShareFen;
        }
        var left = discountFen - given;
        var byAmount = lines.Select((l, i) => (l, i)).Where(x => (Int128)x.l.AmountFen * discountFen % total != 0)
            .OrderByDescending(x => x.l.AmountFen).ThenBy(x => x.i).ToList();
        for (var k = 0; k < left; k++) byAmount[k].l.OrderDiscountShareFen++;
    }

    /// <summary>The most specific rule paying this owner kind (SKU over category over the brand default).</summary>
    private long CommissionOf(Line line, string kind)
    {
        Rule? best = null;
        var bestLevel = -1;
        foreach (var r in rules)
        {
            if (r.Kinds.Count > 0 && !r.Kinds.Contains(kind)) continue;
            if (r.Sku is not null && r.Sku != line.Sku) continue;
            if (r.Category is not null && r.Category != line.Category) continue;
            var level = r.Sku is not null ? 2 : r.Category is not null ? 1 : 0;
            if (level > bestLevel) (best, bestLevel) = (r, level);
        }
        if (best is null) return 0;
        if (best.FenPerUnit is { } perUnit) return perUnit * line.Quantity;
        return HalfUp((Int128)line.PaidFen * best.BasisPoints!.Value, 10_000);
    }

    /// <summary>numerator ÷ denominator rounded half up (both ≥ 0): 0.5 → 1.</summary>
    public static long HalfUp(Int128 numerator, long denominator) => (long)((numerator * 2 + denominator) / (2 * (Int128)denominator));
}
