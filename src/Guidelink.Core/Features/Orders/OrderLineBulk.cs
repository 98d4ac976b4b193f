using Guidelink.Core.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Npgsql;
using NpgsqlTypes;

namespace Guidelink.Core.Features.Orders;

/// <summary>Saves a batch of new orders with their lines written in bulk: the lines are most of the rows (the online-retail
/// file has 21 per order on average) and EF's change tracking and per-row commands cost more than the inserts themselves.
/// Everything else of the unit of work (orders, customers, commission, ledger) goes through SaveChanges as usual, in the
/// same transaction, so the batch still commits or fails as one. SQLite steps one prepared statement per row (bound by
/// position: Microsoft.Data.Sqlite binds by name on every execution); PostgreSQL uses binary COPY.
/// These writes bypass SaveChanges, so the lines' TenantId is the one the orders were created with (checked).</summary>
internal static class OrderLineBulk
{
    private const string Columns = "\"TenantId\", \"OrderId\", \"LineNo\", \"Sku\", \"Name\", \"Category\", \"Quantity\", \"UnitPriceFen\", \"LineDiscountFen\", \"OrderDiscountFen\", \"PaidFen\", \"RefundedFen\"";

    /// <summary>Below this many new lines the ordinary SaveChanges is as quick and simpler.</summary>
    public const int Threshold = 64;

    public static int PendingLines(ChangeTracker tracker) => tracker.Entries<OrderLine>().Count(e => e.State == EntityState.Added);

    public static async Task SaveAsync(GuidelinkDb db, CancellationToken ct)
    {
        db.ChangeTracker.DetectChanges();
        var added = db.ChangeTracker.Entries<OrderLine>().Where(e => e.State == EntityState.Added).ToList();
        var tenant = db.TenantContext.Required;
        if (added.Any(e => e.Entity.TenantId != tenant)) throw new InvalidOperationException("An order line of another brand is in the unit of work.");
        var lines = added.Select(e => e.Entity).ToList();
        // Out of EF's sight: detached, and out of their orders' collections so SaveChanges does not find them again.
        foreach (var entry in added) entry.State = EntityState.Detached;
        var orders = db.ChangeTracker.Entries<Order>().Where(e => e.State == EntityState.Added).Select(e => e.Entity).ToList();
        var kept = orders.ToDictionary(o => o, o => o.Lines.ToList());
        foreach (var order in orders) order.Lines.Clear();

        var own = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        try
        {
            await db.SaveChangesAsync(ct);
            if (db.Database.GetDbConnection() is SqliteConnection sqlite) InsertSqlite(sqlite, lines);
            else await InsertPostgresAsync((NpgsqlConnection)db.Database.GetDbConnection(), lines, ct);
            if (own is not null) await own.CommitAsync(ct);
        }
        finally
        {
            if (own is not null) await own.DisposeAsync();
            foreach (var (order, list) in kept) order.Lines.AddRange(list);
        }
        // As after an ordinary save: the lines are tracked as they are in the database, so a later SaveChanges of this
        // unit of work does not insert them again. (On failure the caller clears the tracker and starts over.)
        foreach (var line in lines) db.Entry(line).State = EntityState.Unchanged;
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
