using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Features.Commission;
using Guidelink.Core.Features.Customers;
using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Orders;

/// <summary>Saves a batch of new orders with everything they append written in bulk, outside EF's change tracking:
/// new customers, orders, order lines, touches, decisions, commission lines, ledger postings and entries. These rows are
/// most of a batch (a share-coded order of 3 lines adds ~16); the ingest never hands them to EF (tracking them and
/// detecting their changes, then SaveChanges' command building, cost several times the inserts themselves). What the
/// unit of work does hold — customers the batch read and changed, new stores, products and categories (version checks,
/// audit trail) — goes first through SaveChanges, in the same transaction, so the batch still commits or fails as one.
/// All of them go through <see cref="RowInserter"/> (columns and conversions from the EF model; SQLite: one prepared
/// statement per table bound by position; PostgreSQL: binary COPY). None of these types is audited.
/// These writes bypass SaveChanges and its write guard, so the brand of every row is checked here and by RowInserter.</summary>
internal static class OrderBulkWrite
{
    /// <summary>Below this many new rows the ordinary SaveChanges is as quick and simpler.</summary>
    public const int Threshold = 64;

    /// <summary>The rows a batch appends, in plain lists (parents before children), never tracked by EF while the batch
    /// is decided: the batch's own lookups (customers by identity, orders by key, ledger chain heads, month-to-date sales)
    /// live in its Context, not in the change tracker.</summary>
    public sealed class NewRows
    {
        public List<Customer> Customers { get; } = [];
        public List<Order> Orders { get; } = [];
        public List<Touch> Touches { get; } = [];
        public List<AttributionDecision> Decisions { get; } = [];
        public List<CommissionLine> Commission { get; } = [];
        public List<LedgerPosting> Postings { get; } = [];
        public List<LedgerEntry> Entries { get; } = [];

        public int Count => Customers.Count + Orders.Count + Orders.Sum(o => o.Lines.Count) + Touches.Count + Decisions.Count
            + Commission.Count + Postings.Count + Entries.Count;

        /// <summary>Hands the rows to the unit of work, for an ordinary SaveChanges (small batches, the item-by-item replay).</summary>
        public void AddTo(GuidelinkDb db)
        {
            db.Customers.AddRange(Customers);
            db.Orders.AddRange(Orders); // with their lines
            db.Touches.AddRange(Touches);
            db.AttributionDecisions.AddRange(Decisions);
            db.CommissionLines.AddRange(Commission);
            db.LedgerPostings.AddRange(Postings);
            db.LedgerEntries.AddRange(Entries);
        }
    }

    /// <summary>Writes what the unit of work holds (rows the batch read and changed, new stores, products, categories) with
    /// SaveChanges, then the batch's new rows in bulk, in one transaction (the caller's, if it has one).</summary>
    public static async Task SaveAsync(GuidelinkDb db, NewRows rows, CancellationToken ct)
    {
        var lines = new List<OrderLine>(rows.Orders.Count * 3);
        foreach (var o in rows.Orders) lines.AddRange(o.Lines);

        // SQLite: hold the process's write gate for the whole transaction, as SaveChanges alone would have.
        using var gate = db.Database.CurrentTransaction is null ? SqliteWriteGate.Of(db)?.Hold() : null;
        var own = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        try
        {
            await db.SaveChangesAsync(ct);
            // Parents before children; RowInserter checks the brand of every row.
            RowInserter.Insert(db, rows.Customers, rows.Orders, lines, rows.Touches, rows.Decisions, rows.Commission, rows.Postings, rows.Entries);
            if (own is not null) await own.CommitAsync(ct);
        }
        finally
        {
            if (own is not null) await own.DisposeAsync();
        }
    }
}
