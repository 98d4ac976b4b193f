using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Commission;

/// <summary>What-if: replays the last N days of credited orders under a draft rule set (the rules in force with
/// the draft's rules replacing those of the same id, and new ones added) and returns, per earner, what they earned
/// and what they would have earned. Writes nothing. Tiers in the replay count the month's orders inside the window.</summary>
public static class SimulateCommissionRules
{
    public sealed record Request(int? Days, IReadOnlyList<RuleDefinition>? Rules);

    public sealed record EarnerDifference(string OwnerKind, Guid OwnerId, string? Name, int Orders, long ActualFen, long DraftFen, long DifferenceFen);

    public sealed record Response(DateTimeOffset From, DateTimeOffset To, int Orders, long ActualFen, long DraftFen, IReadOnlyList<EarnerDifference> Earners);

    public sealed class Handler(GuidelinkDb db, TimeProvider clock)
    {
        public async Task<Outcome<Response>> HandleAsync(Request request, CancellationToken ct)
        {
            var errors = new FieldErrors();
            var days = request.Days ?? 30;
            if (days is < 1 or > 366) errors.Add("days", "must be between 1 and 366.");
            if (request.Rules is not { Count: > 0 }) errors.Add("rules", "give at least one draft rule.");
            else
                for (var i = 0; i < request.Rules.Count; i++)
                    foreach (var (field, messages) in SaveCommissionRule.Validate(request.Rules[i]).ToDictionary())
                        errors.Add($"rules[{i}].{field}", string.Join(" ", messages));
            if (errors.Any) return errors.ToOutcome<Response>();

            var to = clock.GetUtcNow();
            var from = to.AddDays(-days);
            var current = await RuleDefinition.AllVersionsAsync(db, ct);
            var draftIds = request.Rules!.Where(r => r.Id is not null).Select(r => r.Id!.Value).ToHashSet();
            var draft = current.Where(r => !draftIds.Contains(r.Id))
                .Concat(request.Rules!.Select(r => (r with { Id = r.Id ?? Guid.NewGuid(), Version = Math.Max(r.Version, 1), EffectiveFrom = DateTimeOffset.MinValue, EffectiveTo = null }).ToRule()))
                .ToList();

            var orders = await db.Orders.AsNoTracking().Include(o => o.Lines)
                .Where(o => o.CreditId != null && o.PlacedAt >= from && o.PlacedAt < to).OrderBy(o => o.PlacedAt).ToListAsync(ct);
            var ids = orders.Select(o => o.Id).ToList();
            var actual = new Dictionary<Guid, long>();
            foreach (var chunk in ids.Chunk(500))
                foreach (var c in await db.CommissionLines.AsNoTracking().Where(c => chunk.Contains(c.OrderId) && c.Kind == CommissionLineKind.Sale)
                             .Select(c => new { c.OrderId, c.AmountFen }).ToListAsync(ct))
                    actual[c.OrderId] = actual.GetValueOrDefault(c.OrderId) + c.AmountFen;

            var zone = TimeZoneInfo.FindSystemTimeZoneById(await db.Tenants.Where(t => t.Id == db.TenantContext.Required).Select(t => t.TimeZone).FirstAsync(ct));
            var monthToDate = new Dictionary<(Guid, int, int), long>();
            var earners = new Dictionary<Guid, (OwnerKind Kind, int Orders, long Actual, long Draft)>();
            foreach (var o in orders)
            {
                var owner = o.Credit!.Value;
                var local = TimeZoneInfo.ConvertTime(o.PlacedAt, zone);
                var month = (owner.Id, local.Year, local.Month);
                var input = new CommissionOrder(o.Lines.OrderBy(l => l.LineNo)
                        .Select(l => new CommissionLineInput(l.Sku, l.Category, l.Quantity, l.UnitPriceFen, l.LineDiscountFen, l.PaidFen)).ToList(),
                    o.IsPromotion, owner.Kind, o.StoreId, o.RegionId, o.PlacedAt, monthToDate.GetValueOrDefault(month));
                var simulated = CommissionCalculator.ForOrder(input, draft).OwnerFen;
                monthToDate[month] = monthToDate.GetValueOrDefault(month) + o.PaidFen - o.ShippingFen - o.TaxFen;
                var e = earners.GetValueOrDefault(owner.Id, (Kind: owner.Kind, Orders: 0, Actual: 0L, Draft: 0L));
                earners[owner.Id] = (owner.Kind, e.Orders + 1, e.Actual + actual.GetValueOrDefault(o.Id), e.Draft + simulated);
            }
            var names = await Customers.CustomerAccess.OwnerNamesAsync(db, earners.Keys, ct);
            var list = earners.Select(e => new EarnerDifference(e.Value.Kind.ToString(), e.Key, names.GetValueOrDefault(e.Key), e.Value.Orders,
                    e.Value.Actual, e.Value.Draft, e.Value.Draft - e.Value.Actual))
                .OrderByDescending(e => Math.Abs(e.DifferenceFen)).ToList();
            return new Response(from, to, orders.Count, list.Sum(e => e.ActualFen), list.Sum(e => e.DraftFen), list);
        }
    }
}
