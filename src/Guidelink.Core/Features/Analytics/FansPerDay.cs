using System.Globalization;
using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Features.Customers;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Analytics;

/// <summary>"Where fans come from": new fans per calendar day in the brand's time zone, by channel, by owner
/// (staff or partner; "pool" for none) or by method. A customer is a new fan on the day of their first
/// attribution decision — the instant they first got an owner or entered a store's pool — and the group is
/// read from that decision (its owner) and its touch (channel, method). Only customers the actor sees count.</summary>
public static class FansPerDay
{
    public const int MaxDays = 366;
    public const string Pool = "pool";
    public const string Unknown = "Unknown";
    public static readonly IReadOnlyList<string> GroupBys = ["channel", "owner", "method"];

    /// <param name="From">First day, yyyy-MM-dd, in the brand's zone (default: 14 days before To).</param>
    /// <param name="To">Day after the last, exclusive (default: tomorrow in the brand's zone).</param>
    /// <param name="GroupBy">channel (default), owner or method.</param>
    public sealed record Request(string? From, string? To, string? GroupBy);

    /// <param name="Key">Channel or method name, the owner's id, or "pool".</param>
    /// <param name="Label">What to show: the owner's name; the key itself for channels and methods.</param>
    /// <param name="OwnerKind">For an owner: OfficialGuide, Installer, PartTimeGuide, ...</param>
    /// <param name="Total">New fans of this group over the whole range.</param>
    public sealed record Group(string Key, string Label, string? OwnerKind, int Total);

    public sealed record Day(DateOnly Date, int Total, IReadOnlyDictionary<string, int> Counts);

    public sealed record Response(DateOnly From, DateOnly To, string GroupBy, string TimeZone, int Total, IReadOnlyList<Group> Groups, IReadOnlyList<Day> Days);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, TimeProvider clock)
    {
        public async Task<Outcome<Response>> HandleAsync(Request request, CancellationToken ct)
        {
            var actor = actors.Current!;
            var tenant = await db.Tenants.AsNoTracking().FirstAsync(t => t.Id == actor.TenantId, ct);
            var zone = tenant.Zone;
            var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(clock.GetUtcNow(), zone).DateTime);

            var errors = new FieldErrors();
            var to = Parse(request.To, "to", today.AddDays(1), errors);
            var from = Parse(request.From, "from", to.AddDays(-14), errors);
            var groupBy = string.IsNullOrWhiteSpace(request.GroupBy) ? "channel" : request.GroupBy.Trim().ToLowerInvariant();
            if (!GroupBys.Contains(groupBy)) errors.Add("groupBy", $"must be one of {string.Join(", ", GroupBys)}.");
            if (!errors.Any && to <= from) errors.Add("to", "must be a later day than from (to is exclusive).");
            if (!errors.Any && to.DayNumber - from.DayNumber > MaxDays) errors.Add("to", $"the range may span at most {MaxDays} days.");
            if (errors.Any) return errors.ToOutcome<Response>();

            var start = StartOf(from, zone);
            var end = StartOf(to, zone);
            var visible = db.VisibleCustomers(actor.Scope);
            var firsts =
                from d in db.AttributionDecisions.AsNoTracking()
                where d.DecidedAt >= start && d.DecidedAt < end
                where !db.AttributionDecisions.Any(e => e.CustomerId == d.CustomerId && e.DecidedAt < d.DecidedAt)
                where visible.Any(c => c.Id == d.CustomerId)
                join t in db.Touches.AsNoTracking() on d.TouchId equals (Guid?)t.Id into touches
                from t in touches.DefaultIfEmpty()
                select new { d.CustomerId, d.DecidedAt, d.NewOwnerKind, d.NewOwnerId, Channel = (TouchChannel?)t.Channel, Method = (TouchMethod?)t.Method };

            var counted = new HashSet<CustomerId>();
            var cells = new Dictionary<(DateOnly Day, string Key), int>();
            var ownerKinds = new Dictionary<string, OwnerKind>();
            // Streamed: memory grows with days × groups (and the customers of the range), not with rows materialised at once.
            await foreach (var f in firsts.AsAsyncEnumerable().WithCancellation(ct))
            {
                if (!counted.Add(f.CustomerId)) continue; // two decisions at the same first instant: one fan
                var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(f.DecidedAt, zone).DateTime);
                var key = groupBy switch
                {
                    "owner" => f.NewOwnerId?.ToString() ?? Pool,
                    "method" => f.Method?.ToString() ?? Unknown,
                    _ => f.Channel?.ToString() ?? Unknown,
                };
                if (f.NewOwnerId is { } oid && f.NewOwnerKind is { } kind) ownerKinds[oid.ToString()] = kind;
                cells[(day, key)] = cells.GetValueOrDefault((day, key)) + 1;
            }

            var totals = cells.GroupBy(c => c.Key.Key).ToDictionary(g => g.Key, g => g.Sum(c => c.Value));
            var names = groupBy == "owner"
                ? await db.OwnerNamesAsync(totals.Keys.Where(k => k != Pool).Select(Guid.Parse), ct)
                : [];
            var groups = totals.OrderByDescending(t => t.Value).ThenBy(t => t.Key, StringComparer.Ordinal)
                .Select(t => new Group(t.Key,
                    groupBy == "owner" && t.Key != Pool ? names.GetValueOrDefault(Guid.Parse(t.Key)) ?? t.Key : t.Key,
                    ownerKinds.TryGetValue(t.Key, out var k) ? k.ToString() : null, t.Value))
                .ToList();
            var days = new List<Day>();
            for (var day = from; day < to; day = day.AddDays(1))
            {
                var counts = groups.Where(g => cells.ContainsKey((day, g.Key))).ToDictionary(g => g.Key, g => cells[(day, g.Key)]);
                days.Add(new Day(day, counts.Values.Sum(), counts));
            }
            return new Response(from, to, groupBy, tenant.TimeZone, groups.Sum(g => g.Total), groups, days);
        }

        private static DateOnly Parse(string? text, string field, DateOnly fallback, FieldErrors errors)
        {
            if (string.IsNullOrWhiteSpace(text)) return fallback;
            if (DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)) return day;
            errors.Add(field, "must be a day written yyyy-MM-dd.");
            return fallback;
        }
    }

    /// <summary>The instant a calendar day begins in <paramref name="zone"/>.</summary>
    public static DateTimeOffset StartOf(DateOnly day, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local)) local = local.AddMinutes(30); // a zone whose clocks skip midnight
        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }
}
