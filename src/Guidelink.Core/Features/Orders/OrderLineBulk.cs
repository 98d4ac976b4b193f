using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Features.Commission;
using Guidelink.Core.Features.Customers;
using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace Guidelink.Core.Features.Orders;

/// <summary>Saves a batch of new orders with everything they append written in bulk, outside EF's change tracking:
/// new customers, orders, order lines, touches, decisions, commission lines, ledger postings and entries. These rows are
/// most of a batch (a share-coded order of 3 lines adds ~16); the ingest never hands them to EF (tracking them and
/// detecting their changes, then SaveChanges' command building, cost several times the inserts themselves). What the
/// unit of work does hold — customers the batch read and changed, new stores, products and categories (version checks,
/// audit trail) — goes first through SaveChanges, in the same transaction, so the batch still commits or fails as one.
/// Lines: SQLite steps one prepared statement per row (bound by position); PostgreSQL uses binary COPY. The other rows go
/// through <see cref="RowInserter"/> (columns and conversions from the EF model). None of these types is audited.
/// These writes bypass SaveChanges and its write guard, so the brand of every row is checked here and by RowInserter.</summary>
internal static class OrderLineBulk
{
    private const string Columns = "\"TenantId\", \"OrderId\", \"LineNo\", \"Sku\", \"Name\", \"Category\", \"Quantity\", \"UnitPriceFen\", \"LineDiscountFen\", \"OrderDiscountFen\", \"PaidFen\", \"RefundedFen\"";

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
        var tenant = db.TenantContext.Required;
        if (lines.Any(l => l.TenantId != tenant)) throw new InvalidOperationException("An OrderLine of another brand is in the batch.");

        // SQLite: hold the process's write gate for the whole transaction, as SaveChanges alone would have.
        using var gate = db.Database.CurrentTransaction is null ? SqliteWriteGate.Of(db)?.Hold() : null;
        var own = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        try
        {
            await db.SaveChangesAsync(ct);
            // Parents before children; RowInserter checks the brand of every row.
            RowInserter.Insert(db, rows.Customers, rows.Orders);
            if (db.Database.GetDbConnection() is SqliteConnection sqlite) InsertSqlite(sqlite, lines);
            else await InsertPostgresAsync((NpgsqlConnection)db.Database.GetDbConnection(), lines, ct);
            RowInserter.Insert(db, rows.Touches, rows.Decisions, rows.Commission, rows.Postings, rows.Entries);
            if (own is not null) await own.CommitAsync(ct);
        }
        finally
        {
            if (own is not null) await own.DisposeAsync();
        }
    }

    private static void InsertSqlite(SqliteConnection connection, List<OrderLine> lines)
    {
        var handle = connection.Handle!;
        Check(handle, SQLitePCL.raw.sqlite3_prepare_v2(handle, $"INSERT INTO \"OrderLines\" ({Columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", out var statement));
        using (statement)
        {
            string? tenantText = null;
            Guid lastOrder = default;
            string? orderText = null;
            foreach (var l in lines)
            {
                // EF keeps Guids on SQLite as upper-case text.
                tenantText ??= l.TenantId.Value.ToString().ToUpperInvariant();
                if (orderText is null || l.OrderId != lastOrder) (lastOrder, orderText) = (l.OrderId, l.OrderId.ToString().ToUpperInvariant());
                Check(handle, SQLitePCL.raw.sqlite3_bind_text(statement, 1, tenantText));
                Check(handle, SQLitePCL.raw.sqlite3_bind_text(statement, 2, orderText));
                Check(handle, SQLitePCL.raw.sqlite3_bind_int(statement, 3, l.LineNo));
                Check(handle, SQLitePCL.raw.sqlite3_bind_text(statement, 4, l.Sku));
                Check(handle, SQLitePCL.raw.sqlite3_bind_text(statement, 5, l.Name));
                Check(handle, SQLitePCL.raw.sqlite3_bind_text(statement, 6, l.Category));
                Check(handle, SQLitePCL.raw.sqlite3_bind_int(statement, 7, l.Quantity));
                Check(handle, SQLitePCL.raw.sqlite3_bind_int64(statement, 8, l.UnitPriceFen));
                Check(handle, SQLitePCL.raw.sqlite3_bind_int64(statement, 9, l.LineDiscountFen));
                Check(handle, SQLitePCL.raw.sqlite3_bind_int64(statement, 10, l.OrderDiscountFen));
                Check(handle, SQLitePCL.raw.sqlite3_bind_int64(statement, 11, l.PaidFen));
                Check(handle, SQLitePCL.raw.sqlite3_bind_int64(statement, 12, l.RefundedFen));
                var step = SQLitePCL.raw.sqlite3_step(statement);
                SQLitePCL.raw.sqlite3_reset(statement);
                if (step != SQLitePCL.raw.SQLITE_DONE) Check(handle, step);
            }
        }
    }

    private static void Check(SQLitePCL.sqlite3 handle, int rc)
    {
        if (rc is SQLitePCL.raw.SQLITE_OK or SQLitePCL.raw.SQLITE_DONE or SQLitePCL.raw.SQLITE_ROW) return;
        // The same exception Microsoft.Data.Sqlite throws, so unique and busy errors read as usual.
        throw new SqliteException(SQLitePCL.raw.sqlite3_errmsg(handle).utf8_to_string(), rc, SQLitePCL.raw.sqlite3_extended_errcode(handle));
    }

    private static async Task InsertPostgresAsync(NpgsqlConnection connection, List<OrderLine> lines, CancellationToken ct)
    {
        await using var writer = await connection.BeginBinaryImportAsync($"COPY \"OrderLines\" ({Columns}) FROM STDIN (FORMAT BINARY)", ct);
        foreach (var l in lines)
        {
            await writer.StartRowAsync(ct);
            await writer.WriteAsync(l.TenantId.Value, NpgsqlDbType.Uuid, ct);
            await writer.WriteAsync(l.OrderId, NpgsqlDbType.Uuid, ct);
            await writer.WriteAsync(l.LineNo, NpgsqlDbType.Integer, ct);
            await writer.WriteAsync(l.Sku, NpgsqlDbType.Varchar, ct);
            await writer.WriteAsync(l.Name, NpgsqlDbType.Varchar, ct);
            await writer.WriteAsync(l.Category, NpgsqlDbType.Varchar, ct);
            await writer.WriteAsync(l.Quantity, NpgsqlDbType.Integer, ct);
            await writer.WriteAsync(l.UnitPriceFen, NpgsqlDbType.Bigint, ct);
            await writer.WriteAsync(l.LineDiscountFen, NpgsqlDbType.Bigint, ct);
            await writer.WriteAsync(l.OrderDiscountFen, NpgsqlDbType.Bigint, ct);
            await writer.WriteAsync(l.PaidFen, NpgsqlDbType.Bigint, ct);
            await writer.WriteAsync(l.RefundedFen, NpgsqlDbType.Bigint, ct);
        }
        await writer.CompleteAsync(ct);
    }
}
