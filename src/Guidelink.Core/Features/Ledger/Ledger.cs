using Guidelink.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Ledger;

/// <summary>One movement to post: an amount into a holder's bucket.</summary>
public sealed record Movement(string Holder, LedgerBucket Bucket, long AmountFen, string Reason, Guid? CommissionLineId = null);

/// <summary>Appends postings to the ledger for one unit of work: checks that each posting sums to zero and links
/// every earner entry into that earner's hash chain. Chain heads are read once per holder and then followed in
/// memory, so a batch of orders costs one query for the heads; the unique (holder, seq) index turns a concurrent
/// append to the same chain into a conflict that the caller retries.</summary>
public sealed class LedgerBook(GuidelinkDb db)
{
    private readonly Dictionary<string, (long Seq, string? Hash)> _heads = new(StringComparer.Ordinal);
    private readonly List<LedgerPosting>? _postings;
    private readonly List<LedgerEntry>? _entries;

    /// <summary>A book that appends its postings and entries to these lists instead of the unit of work: the caller
    /// writes them itself (the batch ingest, which keeps the rows it appends out of EF's change tracker).</summary>
    /// <para><paramref name="beforeRead"/> is awaited before a chain head is read, when the caller's connection may be busy
    /// writing (the batch ingest writes a part of its batch while it decides the next).</para>
    public LedgerBook(GuidelinkDb db, List<LedgerPosting> postings, List<LedgerEntry> entries, Func<Task>? beforeRead = null) : this(db)
    {
        _postings = postings;
        _entries = entries;
        _beforeRead = beforeRead;
    }

    private readonly Func<Task>? _beforeRead;

    /// <summary>Instants in the ledger are kept to the millisecond, so the hash of an entry is the same whether
    /// it is recomputed from SQLite (100 ns) or PostgreSQL (1 µs).</summary>
    public static DateTimeOffset Truncate(DateTimeOffset at) => new(at.UtcTicks - at.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);

    /// <summary>Forget the cached heads (after a failed transaction the database is the truth again).</summary>
    public void Reset() => _heads.Clear();

    public async Task LoadHeadsAsync(IEnumerable<string> holders, CancellationToken ct)
    {
        var missing = holders.Where(h => h != Commission.Earner.Brand && !_heads.ContainsKey(h)).Distinct().ToList();
        if (missing.Count == 0) return;
        if (_beforeRead is not null) await _beforeRead();
        // One short query per holder, newest entry first: EntriesOf says "Seq > 0", so the partial unique index
        // (tenant, holder, seq) answers it by reading one index entry. The earlier single query with a correlated
        // MAX(Seq) made SQLite walk each earner's whole chain, so every posting cost more as an earner's history grew.
        foreach (var holder in missing)
        {
            var head = await EntriesOf(db, holder)
                .OrderByDescending(e => e.Seq)
                .Select(e => new { e.Seq, e.Hash })
                .FirstOrDefaultAsync(ct);
            if (head is not null) _heads[holder] = (head.Seq, head.Hash);
        }
        foreach (var h in missing) _heads.TryAdd(h, (0, null));
    }

    /// <summary>Adds a posting and its entries to the unit of work (or to the book's lists; the caller saves). Throws if the entries do
    /// not sum to zero: money is never created or lost.</summary>
    public async Task<LedgerPosting> PostAsync(string key, string kind, Guid? order, DateTimeOffset at, DateTimeOffset now,
        IReadOnlyList<Movement> movements, CancellationToken ct)
    {
        if (movements.Sum(m => m.AmountFen) != 0)
            throw new InvalidOperationException($"Posting {key} does not balance: {movements.Sum(m => m.AmountFen)} fen.");
        await LoadHeadsAsync(movements.Select(m => m.Holder), ct);
        var tenant = db.TenantContext.Required;
        var posting = LedgerPosting.Create(tenant, key, kind, order, at, now);
        if (_postings is not null) _postings.Add(posting);
        else db.LedgerPostings.Add(posting);
        foreach (var m in movements)
        {
            if (m.AmountFen == 0) continue;
            var entry = LedgerEntry.Create(tenant, posting.Id, m.Holder, m.Bucket, m.AmountFen, at, m.Reason, order, m.CommissionLineId);
            if (m.Holder != Commission.Earner.Brand)
            {
                var head = _heads[m.Holder];
                entry.Chain(head.Seq + 1, head.Hash);
                _heads[m.Holder] = (entry.Seq, entry.Hash);
            }
            if (_entries is not null) _entries.Add(entry);
            else db.LedgerEntries.Add(entry);
        }
        return posting;
    }

    /// <summary>A holder's entries. Every entry of an earner is in its chain (Seq from 1); saying so lets the partial (holder,
    /// seq) index, the table's only one besides the key, answer. The brand's entries (Seq 0) have no index of their own:
    /// reading them reads the table (no page asks for them today).</summary>
    public static IQueryable<LedgerEntry> EntriesOf(GuidelinkDb db, string holder) => holder == Commission.Earner.Brand
        ? db.LedgerEntries.AsNoTracking().Where(e => e.Holder == holder && e.Seq == 0)
        : db.LedgerEntries.AsNoTracking().Where(e => e.Holder == holder && e.Seq > 0);

    /// <summary>A holder's balance per bucket, summed from the entries (there is no cached balance to drift).</summary>
    public static async Task<Dictionary<LedgerBucket, long>> BalancesAsync(GuidelinkDb db, string holder, DateTimeOffset? asOf, CancellationToken ct)
    {
        var query = EntriesOf(db, holder);
        if (asOf is { } t) query = query.Where(e => e.At <= t);
        var sums = await query.GroupBy(e => e.Bucket).Select(g => new { Bucket = g.Key, Sum = g.Sum(e => e.AmountFen) }).ToListAsync(ct);
        return sums.ToDictionary(s => s.Bucket, s => s.Sum);
    }
}
