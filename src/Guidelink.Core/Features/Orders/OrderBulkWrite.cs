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

        /// <summary>Moves the rows gathered so far into a new set and leaves these lists empty (the same list objects: a
        /// <see cref="LedgerBook"/> keeps appending to them), so a part of a batch can be written while the rest is decided.</summary>
        public NewRows Take()
        {
            var taken = new NewRows();
            Move(Customers, taken.Customers);
            Move(Orders, taken.Orders);
            Move(Touches, taken.Touches);
            Move(Decisions, taken.Decisions);
            Move(Commission, taken.Commission);
            Move(Postings, taken.Postings);
            Move(Entries, taken.Entries);
            return taken;
        }

        private static void Move<T>(List<T> from, List<T> to)
        {
            to.AddRange(from);
            from.Clear();
        }

        /// <summary>Inserts the rows in bulk, parents before children (RowInserter checks the brand of every row); the caller
        /// holds the transaction (and on SQLite the write gate).</summary>
        public void Insert(GuidelinkDb db)
        {
            var lines = new List<OrderLine>(Orders.Count * 3);
            foreach (var o in Orders) lines.AddRange(o.Lines);
            RowInserter.Insert(db, Customers, Orders, lines, Touches, Decisions, Commission, Postings, Entries);
        }

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

    /// <summary>From this many orders a batch is written in parts of <see cref="PartSize"/> while its later parts are decided.</summary>
    public const int PartSize = 250;

    /// <summary>Writes a big batch in parts, each part while the next is decided, in one transaction: deciding is this
    /// process's work, inserting is mostly the database's (PostgreSQL's processes, or SQLite on another thread), and on a
    /// 2-core machine one waited for the other. One connection carries both, one command at a time: the write of a part
    /// runs in the background and a read the deciding needs (a ledger head, an owner's month-to-date sales or bounty of
    /// the day, read once per owner and then kept in memory) first waits for it — <see cref="BeforeReadAsync"/>. Such a
    /// read then runs inside the batch's transaction, which changes nothing it sees: a key (holder, owner and month,
    /// owner and day) is read before the batch adds the first row of its own for that key.
    /// What the unit of work tracks (new stores, products, categories; customers read and changed) is saved before each
    /// part's rows, which may refer to them. If any write fails, nothing of the batch is committed.</summary>
    public sealed class Pipeline(GuidelinkDb db) : IAsyncDisposable
    {
        private IDisposable? _gate;
        private Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction? _transaction;
        private Task _writing = Task.CompletedTask;

        /// <summary>Awaited before a read through the batch's connection: the part being written goes first.</summary>
        public Task BeforeReadAsync() => _writing;

        /// <summary>Saves what the unit of work tracks, then starts writing <paramref name="rows"/> in the background (after the
        /// part before it has been written, and in the batch's transaction, begun by the first part).</summary>
        public async Task WriteAsync(NewRows rows, CancellationToken ct)
        {
            await _writing;
            if (_transaction is null)
            {
                // SQLite: hold the process's write gate for the whole transaction, as SaveChanges alone would have.
                _gate = SqliteWriteGate.Of(db) is { } writeGate ? await writeGate.HoldAsync(ct) : null;
                _transaction = await db.Database.BeginTransactionAsync(ct);
            }
            await db.SaveChangesAsync(ct);
            // Task.Run: both providers' inserts here are synchronous calls, and the point is that this thread goes on deciding.
            _writing = Task.Run(() => rows.Insert(db), ct);
        }

        /// <summary>Waits for the last part, saves what the unit of work still tracks and commits.</summary>
        public async Task CommitAsync(CancellationToken ct)
        {
            await _writing;
            if (_transaction is null) return;
            await db.SaveChangesAsync(ct);
            await _transaction.CommitAsync(ct);
        }

        /// <summary>Rolls back whatever was written (the batch is then replayed item by item): waits for a write still running
        /// first, since the transaction cannot end under it.</summary>
        public async ValueTask DisposeAsync()
        {
            try { await _writing; }
            catch (Exception) { /* the caller has seen it, or sees the rollback's; nothing of the batch stays either way */ }
            _writing = Task.CompletedTask;
            if (_transaction is not null) await _transaction.DisposeAsync();
            _transaction = null;
            _gate?.Dispose();
            _gate = null;
        }
    }

    /// <summary>Writes what the unit of work holds (rows the batch read and changed, new stores, products, categories) with
    /// SaveChanges, then the batch's new rows in bulk, in one transaction (the caller's, if it has one).</summary>
    public static async Task SaveAsync(GuidelinkDb db, NewRows rows, CancellationToken ct)
    {
        // SQLite: hold the process's write gate for the whole transaction, as SaveChanges alone would have.
        using var gate = db.Database.CurrentTransaction is null && SqliteWriteGate.Of(db) is { } writeGate ? await writeGate.HoldAsync(ct) : null;
        var own = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        try
        {
            await db.SaveChangesAsync(ct);
            rows.Insert(db);
            if (own is not null) await own.CommitAsync(ct);
        }
        finally
        {
            if (own is not null) await own.DisposeAsync();
        }
    }
}
