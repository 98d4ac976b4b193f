using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Guidelink.Core.Features.Commission;
using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Orders;

/// <summary>What happens to an order after payment: completed (starts the return window), after-sale request
/// opened and closed (an open one holds settlement), refund (reverses commission proportionally, from Pending if
/// the order is not settled yet, from Available otherwise). Each event is idempotent by its own key — a refund by
/// its refund number: the same key and body returns the first answer, another body is a conflict.</summary>
public static class RecordOrderEvent
{
    public sealed record RefundLine(int? LineNo, decimal? Amount);

    public sealed record Request(Guid OrderId, string? Kind, string? Key, DateTimeOffset? At, string? Note, IReadOnlyList<RefundLine>? Lines);

    public sealed record Response(Guid EventId, Guid OrderId, string Kind, string Key, bool Replayed, long RefundedFen, long ReversedFen);

    private static readonly JsonSerializerOptions HashJson = new(JsonSerializerDefaults.Web);

    public sealed class Handler(GuidelinkDb db, TimeProvider clock)
    {
        public async Task<Outcome<Response>> HandleAsync(Request request, CancellationToken ct)
        {
            var now = clock.GetUtcNow();
            var errors = new FieldErrors();
            if (!Enum.TryParse<OrderEventKind>(request.Kind, true, out var kind) || !Enum.IsDefined(kind))
                errors.Add("kind", $"must be one of {string.Join(", ", Enum.GetNames<OrderEventKind>())}.");
            var key = request.Key?.Trim();
            if (kind == OrderEventKind.Completed && string.IsNullOrEmpty(key)) key = "completed";
            if (string.IsNullOrEmpty(key)) errors.Add("key", kind == OrderEventKind.Refunded ? "the refund number is required." : "the after-sale request number is required.");
            else if (key.Length > 64) errors.Add("key", "must be at most 64 characters.");
            errors.Optional("note", request.Note, 300);
            var at = LedgerBook.Truncate(request.At ?? now);
            if (at > now + TimeSpan.FromMinutes(5)) errors.Add("at", "cannot be in the future.");
            if (errors.Any) return errors.ToOutcome<Response>();

            var order = await db.Orders.Include(o => o.Lines).FirstOrDefaultAsync(o => o.Id == request.OrderId, ct);
            if (order is null) return Outcome<Response>.NotFound($"Order {request.OrderId} not found.");
            var hash = HashOf(request with { Key = key });

            var previous = await db.OrderEvents.FirstOrDefaultAsync(e => e.OrderId == order.Id && e.Kind == kind && e.Key == key, ct);
            if (previous is not null)
                return previous.RequestHash == hash
                    ? new Response(previous.Id, order.Id, kind.ToString(), key!, true, previous.AmountFen, 0)
                    : Outcome<Response>.Conflict($"{kind} '{key}' was already recorded for this order with a different body.");

            if (at < order.PaidAt) return Outcome<Response>.Invalid("at", "is before the order was paid.");
            var settings = await db.CommissionSettings.AsNoTracking().SingleOrDefaultAsync(ct) ?? CommissionSettings.Default(order.TenantId);
            long refunded = 0, reversed = 0;
            string? refundLines = null;
            switch (kind)
            {
                case OrderEventKind.Completed:
                    if (!order.Complete(at, settings.ReturnWindow)) return Outcome<Response>.Conflict("The order is already completed.");
                    break;
                case OrderEventKind.AfterSaleOpened:
                    order.OpenAfterSale();
                    break;
                case OrderEventKind.AfterSaleClosed:
                    if (!await db.OrderEvents.AnyAsync(e => e.OrderId == order.Id && e.Kind == OrderEventKind.AfterSaleOpened && e.Key == key, ct))
                        return Outcome<Response>.Invalid("key", "no after-sale request with this number is open on the order.");
                    order.CloseAfterSale();
                    break;
                case OrderEventKind.Refunded:
                    var parts = ParseRefund(order, request.Lines, errors);
                    if (errors.Any) return errors.ToOutcome<Response>();
                    var commission = await db.CommissionLines.Where(c => c.OrderId == order.Id).ToListAsync(ct);
                    (refunded, reversed) = await RefundAsync(db, new LedgerBook(db), order, commission, parts, key!, at, now, settings, ct);
                    refundLines = string.Join(';', parts.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Line.LineNo}:{p.Fen}")));
                    break;
            }
            var recorded = OrderEvent.Create(order.TenantId, order.Id, kind, key!, hash, at, now, request.Note?.Trim(), refunded, refundLines);
            db.OrderEvents.Add(recorded);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException ex) when (ex is DbUpdateConcurrencyException || DatabaseSetup.IsUniqueViolation(ex))
            {
                return Outcome<Response>.Conflict("Another event for this order was recorded at the same moment; send it again.");
            }
            return new Response(recorded.Id, order.Id, kind.ToString(), key!, false, refunded, reversed);
        }

        /// <summary>Which lines, how much: the lines named (amount default: all that is left of the line), or the whole
        /// order's refundable amount when no line is named.</summary>
        private static List<(OrderLine Line, long Fen)> ParseRefund(Order order, IReadOnlyList<RefundLine>? lines, FieldErrors errors)
        {
            var parts = new List<(OrderLine Line, long Fen)>();
            if (lines is not { Count: > 0 })
            {
                parts.AddRange(order.Lines.Where(l => l.RefundableFen > 0).Select(l => (l, l.RefundableFen)));
                if (parts.Count == 0) errors.Add("lines", "the order has nothing left to refund.");
                return parts;
            }
            for (var i = 0; i < lines.Count; i++)
            {
                var line = order.Lines.FirstOrDefault(l => l.LineNo == lines[i].LineNo);
                if (line is null) { errors.Add($"lines[{i}].lineNo", "does not name a line of this order."); continue; }
                long fen = line.RefundableFen;
                if (lines[i].Amount is { } amount && !OrderMoney.TryToFen(amount, out fen)) { errors.Add($"lines[{i}].amount", "has more than 2 decimals."); continue; }
                if (fen <= 0) errors.Add($"lines[{i}].amount", "must be above 0.");
                else if (fen > line.RefundableFen - parts.Where(p => p.Line == line).Sum(p => p.Fen))
                    errors.Add($"lines[{i}].amount", $"is more than the {OrderMoney.Show(line.RefundableFen)} left to refund on line {line.LineNo}.");
                else parts.Add((line, fen));
            }
            return parts;
        }

    }

    /// <summary>The canonical hash of an event request: a retry with the same body gets the first answer.</summary>
    internal static string HashOf(Request request) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(request, HashJson))));

    /// <summary>A refund of <paramref name="parts"/> of a (tracked) order: each line's commission reversed in proportion
    /// (the last refund of a line reverses exactly what is left), the bounty when the whole order is refunded, posted to
    /// the ledger from Pending or Available. Adds to the unit of work; the caller saves. Shared by the API
    /// (<see cref="Handler"/>) and the order import, so a refund reverses commission the same way whichever way it came.</summary>
    internal static async Task<(long Refunded, long Reversed)> RefundAsync(GuidelinkDb db, LedgerBook ledger, Order order, IReadOnlyList<CommissionLine> commission,
        List<(OrderLine Line, long Fen)> parts, string refundNo, DateTimeOffset at, DateTimeOffset now, CommissionSettings settings, CancellationToken ct)
    {
        var movements = new List<Movement>();
        long reversedTotal = 0;
        foreach (var (line, fen) in parts)
        {
            foreach (var c in commission.Where(c => c.LineNo == line.LineNo && c.Kind != CommissionLineKind.Bounty))
            {
                var reversal = RefundReversal.Reverse(c.AmountFen, line.PaidFen, line.RefundedFen, c.ReversedFen, fen);
                if (reversal.ReversedFen == 0) continue;
                c.Reverse(reversal.ReversedFen);
                movements.Add(new Movement(c.Holder, c.SettledAt is null ? LedgerBucket.Pending : LedgerBucket.Available, -reversal.ReversedFen, "refund", c.Id));
                reversedTotal += reversal.ReversedFen;
            }
            line.Refund(fen);
        }
        order.AddRefund(parts.Sum(p => p.Fen));
        // The new-customer bounty stands unless the whole order is refunded (the customer did not really buy).
        if (order.Lines.All(l => l.RefundableFen == 0))
            foreach (var b in commission.Where(c => c.Kind == CommissionLineKind.Bounty && c.StandingFen > 0))
            {
                movements.Add(new Movement(b.Holder, b.SettledAt is null ? LedgerBucket.Pending : LedgerBucket.Available, -b.StandingFen, "refund", b.Id));
                reversedTotal += b.StandingFen;
                b.Reverse(b.StandingFen);
            }
        if (movements.Count == 0) return (parts.Sum(p => p.Fen), 0);

        if (settings.NegativeBalance == NegativeBalancePolicy.CapAtBalance)
            movements = await CapAtBalanceAsync(db, movements, ct);
        movements.Add(new Movement(Commission.Earner.Brand, LedgerBucket.CommissionExpense, reversedTotal, "refund"));
        await ledger.PostAsync($"refund:{order.Id}:{refundNo}", "Refund", order.Id, at, now, movements, ct);
        return (parts.Sum(p => p.Fen), reversedTotal);
    }

    /// <summary>Policy "cap at balance": a reversal from Available takes the earner's balance down to zero at most;
    /// the rest is written off to the brand's WriteOff account — booked, never silently dropped.</summary>
    private static async Task<List<Movement>> CapAtBalanceAsync(GuidelinkDb db, List<Movement> movements, CancellationToken ct)
    {
        var result = new List<Movement>();
        foreach (var group in movements.GroupBy(m => (m.Holder, m.Bucket)))
        {
            if (group.Key.Bucket != LedgerBucket.Available) { result.AddRange(group); continue; }
            var balance = (await LedgerBook.BalancesAsync(db, group.Key.Holder, null, ct)).GetValueOrDefault(LedgerBucket.Available);
            var left = Math.Max(balance, 0);
            foreach (var m in group)
            {
                var taken = Math.Min(-m.AmountFen, left);
                left -= taken;
                if (taken > 0) result.Add(m with { AmountFen = -taken });
                if (-m.AmountFen - taken > 0) result.Add(new Movement(Commission.Earner.Brand, LedgerBucket.WriteOff, m.AmountFen + taken, "write-off", m.CommissionLineId));
            }
        }
        return result;
    }
}
