using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Audit;
using Guidelink.Core.Features.Commission;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Ledger;

/// <summary>An earner's statement for the brand-time calendar days [from, to): balances per bucket at both ends,
/// the orders credited to them in the period with their commission lines, every ledger entry of the period in chain
/// order with running balances, the chain head as of the period's end, and the chain itself from seq 1 to that head
/// (canonical fields only, no personal data) so the statement can be checked offline without trusting the server.
/// With a format it is a download: recorded (head, format, who, when) and audited, so the earner's page can list
/// every head that has left the building.</summary>
public static class GetStatement
{
    public const int MaxDays = 400;
    public static readonly IReadOnlyList<string> Formats = ["json", "csv", "xlsx"];

    /// <summary>The earner's own buckets, always shown (zero or not) in this order; other buckets follow if present.</summary>
    public static readonly IReadOnlyList<LedgerBucket> EarnerBuckets = [LedgerBucket.Pending, LedgerBucket.Available, LedgerBucket.Withdrawing, LedgerBucket.PaidOut];

    public sealed record Request(string? Holder, DateOnly? From, DateOnly? To, string? Format = null);

    public sealed record BucketBalance(string Bucket, long OpeningFen, long MovementFen, long ClosingFen);

    public sealed record LineView(Guid Id, int LineNo, string Kind, string? RuleName, int? RuleVersion, string Rate, string? Tier, long BaseFen,
        long AmountFen, long ReversedFen, string Status);

    public sealed record OrderView(Guid Id, string OrderNo, string Channel, DateTimeOffset PlacedAt, string? Store, string? Customer, long PaidFen,
        long RefundedFen, IReadOnlyList<LineView> Lines);

    /// <summary>One entry of the period; <see cref="BucketBalanceFen"/> is the bucket's balance after it,
    /// <see cref="BalanceFen"/> the sum of all the earner's buckets after it.</summary>
    public sealed record EntryView(long Seq, Guid Id, DateTimeOffset At, string Bucket, string Reason, long AmountFen, Guid? OrderId, string? OrderNo,
        Guid? CommissionLineId, int? LineNo, long BucketBalanceFen, long BalanceFen, string? Hash);

    public sealed record ChainHead(long Seq, string? Hash);

    /// <summary>One link of the hash chain, exactly the canonical-form fields (docs/decisions/0007) as strings, so a
    /// verifier recomputes the hash without parsing or re-formatting anything.</summary>
    public sealed record ChainLink(long Seq, string Id, string At, string Account, long AmountFen, string PostingId, string Reason, string? OrderId,
        string? PrevHash, string Hash);

    public sealed record Statement(string Holder, string HolderKind, string? HolderName, string Brand, string TimeZone, DateOnly From, DateOnly To,
        DateTimeOffset FromInstant, DateTimeOffset ToInstant, DateTimeOffset IssuedAt, IReadOnlyList<BucketBalance> Balances, long OpeningFen,
        long ClosingFen, IReadOnlyList<OrderView> Orders, IReadOnlyList<EntryView> Entries, ChainHead Head, IReadOnlyList<ChainLink> Chain);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, TimeProvider clock)
    {
        public async Task<Outcome<Statement>> HandleAsync(Request request, CancellationToken ct)
        {
            var actor = actors.Current!;
            var now = clock.GetUtcNow();
            var zone = actor.BrandZone;
            var errors = new FieldErrors();
            var today = BrandCalendar.DayOf(now, zone);
            var from = request.From ?? new DateOnly(today.Year, today.Month, 1);
            var to = request.To ?? from.AddMonths(1);
            if (to <= from) errors.Add("to", "must be after from.");
            else if (to.DayNumber - from.DayNumber > MaxDays) errors.Add("to", $"the period may span at most {MaxDays} days.");
            var format = request.Format?.Trim().ToLowerInvariant();
            if (format is not null && !Formats.Contains(format)) errors.Add("format", $"must be one of {string.Join(", ", Formats)}.");
            var who = await StatementAccess.ResolveAsync(db, actor, request.Holder, now, ct);
            if (who.Kind == OutcomeKind.Invalid) foreach (var (field, messages) in who.Errors) foreach (var m in messages) errors.Add(field, m);
            if (errors.Any) return errors.ToOutcome<Statement>();
            if (!who.IsOk) return who.Kind == OutcomeKind.Forbidden ? Outcome<Statement>.Forbidden(who.Detail!) : Outcome<Statement>.NotFound(who.Detail!);
            var (holder, kind, earnerId) = who.Value!;

            // Instants in UTC: PostgreSQL stores timestamptz and takes only offset 0 as a parameter.
            var start = BrandCalendar.StartOf(from, zone).ToUniversalTime();
            var end = BrandCalendar.StartOf(to, zone).ToUniversalTime();
            // The whole chain is read once: the statement must carry it from seq 1 anyway, and balances at both ends
            // are sums over it (there is no cached balance to drift).
            var entries = await LedgerBook.EntriesOf(db, holder).OrderBy(e => e.Seq).ToListAsync(ct);

            // Entry times are business times (placedAt, a refund's time, when a return window closed), so they are not
            // monotonic in seq: the head is the highest seq among entries before the end, which pins every entry the
            // statement counts (and perhaps a few later ones, which the chain then carries too).
            var head = entries.LastOrDefault(e => e.At < end) is { } h ? new ChainHead(h.Seq, h.Hash) : new ChainHead(0, null);
            var chain = entries.TakeWhile(e => e.Seq <= head.Seq).Select(Link).ToList();

            var buckets = EarnerBuckets.Concat(entries.Select(e => e.Bucket).Distinct().Where(b => !EarnerBuckets.Contains(b)).Order()).ToList();
            var opening = buckets.ToDictionary(b => b, b => entries.Where(e => e.Bucket == b && e.At < start).Sum(e => e.AmountFen));
            var period = entries.Where(e => e.At >= start && e.At < end).ToList();
            var balances = buckets.Select(b =>
            {
                var moved = period.Where(e => e.Bucket == b).Sum(e => e.AmountFen);
                return new BucketBalance(b.ToString(), opening[b], moved, opening[b] + moved);
            }).ToList();

            var lineIds = period.Where(e => e.CommissionLineId != null).Select(e => e.CommissionLineId!.Value).Distinct().ToList();
            var lines = await db.CommissionLines.AsNoTracking()
                .Where(c => c.EarnerKind == kind && c.EarnerId == earnerId && ((c.PlacedAt >= start && c.PlacedAt < end) || lineIds.Contains(c.Id)))
                .ToListAsync(ct);
            var orderIds = lines.Where(c => c.PlacedAt >= start && c.PlacedAt < end).Select(c => c.OrderId)
                .Concat(period.Where(e => e.OrderId != null).Select(e => e.OrderId!.Value)).Distinct().ToList();
            var orders = await db.Orders.AsNoTracking().Where(o => orderIds.Contains(o.Id)).ToListAsync(ct);
            var customerIds = orders.Where(o => o.CustomerId != null).Select(o => o.CustomerId!.Value).Distinct().ToList();
            // Phones are always masked here, whoever asks: a statement is a document that travels.
            var customers = await db.Customers.AsNoTracking().Where(c => customerIds.Contains(c.Id))
                .Select(c => new { c.Id, c.PhoneMasked }).ToDictionaryAsync(c => c.Id, c => c.PhoneMasked, ct);
            var stores = await db.Stores.AsNoTracking().Select(s => new { s.Id, s.Name }).ToDictionaryAsync(s => s.Id, s => s.Name, ct);
            var orderNo = orders.ToDictionary(o => o.Id, o => o.ExternalNo);
            var lineNo = lines.ToDictionary(c => c.Id, c => c.LineNo);

            var orderViews = orders.Where(o => o.PlacedAt >= start && o.PlacedAt < end).OrderBy(o => o.PlacedAt).ThenBy(o => o.ExternalNo, StringComparer.Ordinal)
                .Select(o => new OrderView(o.Id, o.ExternalNo, o.Channel.ToString(), o.PlacedAt, stores.GetValueOrDefault(o.StoreId),
                    o.CustomerId is { } c ? customers.GetValueOrDefault(c) : null, o.PaidFen, o.RefundedFen,
                    lines.Where(l => l.OrderId == o.Id).OrderBy(l => l.LineNo).ThenBy(l => l.Kind)
                        .Select(l => new LineView(l.Id, l.LineNo, l.Kind.ToString(), l.RuleName, l.RuleVersion, l.Rate, l.Tier, l.BaseFen, l.AmountFen,
                            l.ReversedFen, LineStatus(l))).ToList()))
                .ToList();

            var running = new Dictionary<LedgerBucket, long>(opening);
            var total = opening.Where(b => EarnerBuckets.Contains(b.Key)).Sum(b => b.Value);
            var entryViews = new List<EntryView>(period.Count);
            foreach (var e in period)
            {
                running[e.Bucket] += e.AmountFen;
                if (EarnerBuckets.Contains(e.Bucket)) total += e.AmountFen;
                entryViews.Add(new EntryView(e.Seq, e.Id, e.At, e.Bucket.ToString(), e.Reason, e.AmountFen, e.OrderId,
                    e.OrderId is { } o ? orderNo.GetValueOrDefault(o) : null, e.CommissionLineId, e.CommissionLineId is { } l && lineNo.TryGetValue(l, out var n) ? n : null,
                    running[e.Bucket], total, e.Hash));
            }

            var name = await HolderNameAsync(kind, earnerId, ct);
            var statement = new Statement(holder, kind.ToString(), name, actor.BrandName, actor.BrandTimeZone, from, to, start, end, now, balances,
                balances.Where(b => IsEarnerBucket(b.Bucket)).Sum(b => b.OpeningFen), balances.Where(b => IsEarnerBucket(b.Bucket)).Sum(b => b.ClosingFen),
                orderViews, entryViews, head, chain);

            if (format is not null)
            {
                var download = StatementDownload.Create(db.TenantContext.Required, holder, start, end, head.Seq, head.Hash, format, now, actor.Name);
                db.StatementDownloads.Add(download);
                AuditLog.Add(db, actor, now, "statement.download", "Statement", holder, null,
                    new { from, to, format, headSeq = head.Seq, headHash = head.Hash });
                await db.SaveChangesAsync(ct);
            }
            return statement;
        }

        private async Task<string?> HolderNameAsync(EarnerKind kind, Guid id, CancellationToken ct) => kind switch
        {
            EarnerKind.Store => await db.Stores.AsNoTracking().Where(s => s.Id == new StoreId(id)).Select(s => s.Name).FirstOrDefaultAsync(ct),
            EarnerKind.Region => await db.Regions.AsNoTracking().Where(r => r.Id == new RegionId(id)).Select(r => r.Name).FirstOrDefaultAsync(ct),
            _ => (await Customers.CustomerAccess.OwnerNamesAsync(db, [id], ct)).GetValueOrDefault(id),
        };
    }

    private static bool IsEarnerBucket(string bucket) => EarnerBuckets.Any(b => b.ToString() == bucket);

    /// <summary>A line's status now: Reversed once nothing of it stands, Available once settled, else Pending.</summary>
    public static string LineStatus(CommissionLine line) =>
        line.ReversedFen > 0 && line.StandingFen == 0 ? "Reversed" : line.SettledAt is not null ? "Available" : "Pending";

    public static ChainLink Link(LedgerEntry e) => new(e.Seq, e.Id.ToString("D"), StatementChain.FormatAt(e.At), $"{e.Holder}/{e.Bucket}", e.AmountFen,
        e.PostingId.ToString("D"), e.Reason, e.OrderId?.ToString("D"), e.PrevHash, e.Hash ?? "");
}

/// <summary>Whose statement an actor may read: a guide or partner only their own; a manager with money.read the
/// earners of the stores and regions they see (HQ all). Someone else's statement is 403 for guides and partners,
/// and 404 for a manager when the earner is outside their part of the org (its existence is not theirs to know).</summary>
public static class StatementAccess
{
    public sealed record Who(string Holder, EarnerKind Kind, Guid Id);

    /// <summary>The holder an actor earns as: a partner by their kind, an installer as an installer, other staff as
    /// official guides (as their referral codes bind them); null for API keys and the system.</summary>
    public static async Task<string?> OwnHolderAsync(GuidelinkDb db, Actor actor, CancellationToken ct)
    {
        if (actor.PartnerId is { } partner)
        {
            var kind = await db.Partners.AsNoTracking().Where(p => p.Id == partner).Select(p => (Partners.PartnerKind?)p.Kind).FirstOrDefaultAsync(ct);
            return kind switch
            {
                Partners.PartnerKind.PartTimeGuide => Earner.HolderOf(EarnerKind.PartTimeGuide, partner.Value),
                Partners.PartnerKind.ShareAmbassador => Earner.HolderOf(EarnerKind.ShareAmbassador, partner.Value),
                Partners.PartnerKind.AllianceStore => Earner.HolderOf(EarnerKind.AllianceStore, partner.Value),
                _ => null,
            };
        }
        if (actor.StaffId is { } staff)
            return Earner.HolderOf(actor.Role == Organization.StaffRole.Installer ? EarnerKind.Installer : EarnerKind.OfficialGuide, staff.Value);
        return null;
    }

    public static async Task<Outcome<Who>> ResolveAsync(GuidelinkDb db, Actor actor, string? requested, DateTimeOffset now, CancellationToken ct)
    {
        if (!actor.Has(Permissions.EarningsOwn) && !actor.Has(Permissions.MoneyRead))
            return Outcome<Who>.Forbidden("Statements need earnings.own (one's own) or money.read.");
        var holder = string.IsNullOrWhiteSpace(requested) ? await OwnHolderAsync(db, actor, ct) : requested.Trim();
        if (holder is null) return Outcome<Who>.Invalid("holder", "is required: this actor earns nothing of its own.");
        var parts = holder.Split(':', 2);
        if (parts.Length != 2 || !Enum.TryParse<EarnerKind>(parts[0], false, out var kind) || !Enum.IsDefined(kind) || !Guid.TryParse(parts[1], out var id))
            return Outcome<Who>.Invalid("holder", "must look like 'PartTimeGuide:{id}' (an earner kind and id).");
        var who = new Who(Earner.HolderOf(kind, id), kind, id);

        var own = Orders.OrderAccess.OwnId(actor);
        if (own == id && kind is not (EarnerKind.Store or EarnerKind.Region)) return who;
        if (actor.Scope.OnlyOwn || !actor.Has(Permissions.MoneyRead))
            return Outcome<Who>.Forbidden("A guide or partner sees only their own statement.");
        if (actor.Scope.IsBrandWide) return who;
        var scope = actor.Scope;
        var storeIds = Organization.OrgViews.VisibleStores(db, scope).Select(s => s.Id);
        var visible = kind switch
        {
            EarnerKind.Store => await Organization.OrgViews.VisibleStores(db, scope).AnyAsync(s => s.Id == new StoreId(id), ct),
            EarnerKind.Region => await Organization.OrgViews.VisibleRegions(db, scope).AnyAsync(r => r.Id == new RegionId(id), ct),
            EarnerKind.OfficialGuide or EarnerKind.Installer => await Organization.OrgViews.VisibleStaff(db, scope, now).AnyAsync(s => s.Id == new StaffId(id), ct),
            _ => await db.Partners.AsNoTracking().AnyAsync(p => p.Id == new PartnerId(id) && storeIds.Contains(p.HomeStoreId), ct),
        };
        return visible ? who : Outcome<Who>.NotFound($"No earner {holder} in your part of the organization.");
    }
}
