using System.Collections.Concurrent;
using System.Data.Common;
using System.Text;
using Guidelink.Core.Features.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Guidelink.Core.Persistence;

/// <summary>Inserts new rows without change tracking, for the hot append-only path of the touch writer (new customers,
/// touches, decisions), where EF's Add + SaveChanges cost several times the insert itself. The columns, the SQL names and
/// every value's conversion come from the EF model (each parameter is made by the property's own type mapping, as
/// SaveChanges makes it), so the rows are exactly those SaveChanges would write and a new mapped property is written
/// without touching this code. What it does not do, the caller must: run inside a transaction, on SQLite hold the write
/// gate, and insert parents before children. It checks the brand itself (the write guard only sees tracked entities).
/// SQLite steps one prepared statement per row (Microsoft.Data.Sqlite binds multi-row statements slower, see
/// bench/README.md); PostgreSQL gets multi-row INSERTs, one round trip per chunk.</summary>
public static class RowInserter
{
    private const int MaxParameters = 30_000; // PostgreSQL allows 65,535 per statement

    private static readonly ConcurrentDictionary<(IEntityType, bool), Table> Tables = new();

    private sealed record Column(IProperty Property, RelationalTypeMapping Mapping, string Name);

    private sealed record Table(string Name, IReadOnlyList<Column> Columns)
    {
        public string SingleRow { get; } = Statement(Name, Columns, 1);
    }

    /// <summary>Inserts these rows of each list, in the order given (parents first). SQLite: inside the caller's transaction
    /// (required). PostgreSQL: one round trip for all of them — inside the caller's transaction if there is one, else as one
    /// batch, which PostgreSQL runs as a single implicit transaction (all rows or none).</summary>
    public static void Insert(GuidelinkDb db, params IReadOnlyList<IReadOnlyList<ITenantOwned>> lists)
    {
        var tenant = db.CurrentTenantId;
        foreach (var rows in lists)
            foreach (var row in rows)
                if (row.TenantId != tenant) throw new TenantViolationException($"Refused to insert {row.GetType().Name} of another brand.");
        var sqlite = db.Database.IsSqlite();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        if (sqlite && transaction is null) throw new InvalidOperationException("On SQLite, RowInserter writes inside the caller's transaction.");
        var connection = db.Database.GetDbConnection();
        var sql = db.GetService<ISqlGenerationHelper>();
        Table TableOf(IReadOnlyList<ITenantOwned> rows)
        {
            var type = rows[0].GetType();
            var entityType = db.Model.FindEntityType(type) ?? throw new InvalidOperationException($"{type.Name} is not mapped.");
            return Tables.GetOrAdd((entityType, sqlite), key => Describe(key.Item1, sql));
        }

        if (sqlite)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            foreach (var rows in lists.Where(l => l.Count > 0))
            {
                var table = TableOf(rows);
                command.CommandText = table.SingleRow; // one text per table: its prepared statement is kept across the rows
                foreach (var row in rows)
                {
                    command.Parameters.Clear();
                    AddParameters(command, command.Parameters, table, row, 0);
                    command.ExecuteNonQuery();
                }
            }
            return;
        }

        using var batch = connection.CreateBatch();
        batch.Transaction = transaction;
        using var factory = connection.CreateCommand(); // the type mappings make parameters through a command
        foreach (var rows in lists.Where(l => l.Count > 0))
        {
            var table = TableOf(rows);
            var perStatement = Math.Max(1, MaxParameters / table.Columns.Count);
            for (var start = 0; start < rows.Count; start += perStatement)
            {
                var count = Math.Min(perStatement, rows.Count - start);
                var statement = batch.CreateBatchCommand();
                statement.CommandText = count == 1 ? table.SingleRow : Statement(table.Name, table.Columns, count);
                for (var r = 0; r < count; r++) AddParameters(factory, statement.Parameters, table, rows[start + r], r * table.Columns.Count);
                batch.BatchCommands.Add(statement);
            }
        }
        if (batch.BatchCommands.Count > 0) batch.ExecuteNonQuery();
    }

    private static void AddParameters(DbCommand factory, DbParameterCollection parameters, Table table, object row, int first)
    {
        for (var c = 0; c < table.Columns.Count; c++)
        {
            var column = table.Columns[c];
            var value = column.Property.GetGetter().GetClrValueUsingContainingEntity(row);
            parameters.Add(column.Mapping.CreateParameter(factory, $"@p{first + c}", value, column.Property.IsNullable));
        }
    }

    private static Table Describe(IEntityType entityType, ISqlGenerationHelper sql)
    {
        var name = entityType.GetTableName() ?? throw new InvalidOperationException($"{entityType.DisplayName()} has no table.");
        var store = StoreObjectIdentifier.Table(name, entityType.GetSchema());
        var columns = new List<Column>();
        foreach (var property in entityType.GetProperties())
        {
            // Everything written must be readable from the object: no shadow values, nothing the database generates.
            if (property.IsShadowProperty() || property.ValueGenerated != ValueGenerated.Never)
                throw new InvalidOperationException($"{entityType.DisplayName()}.{property.Name} cannot be inserted without change tracking.");
            columns.Add(new Column(property, property.GetRelationalTypeMapping(),
                sql.DelimitIdentifier(property.GetColumnName(store) ?? throw new InvalidOperationException($"{property.Name} has no column."))));
        }
        return new Table(sql.DelimitIdentifier(name, entityType.GetSchema()), columns);
    }

    private static string Statement(string table, IReadOnlyList<Column> columns, int rows)
    {
        var text = new StringBuilder("INSERT INTO ").Append(table).Append(" (")
            .AppendJoin(", ", columns.Select(c => c.Name)).Append(") VALUES ");
        for (var r = 0; r < rows; r++)
        {
            if (r > 0) text.Append(", ");
            text.Append('(');
            for (var c = 0; c < columns.Count; c++)
            {
                if (c > 0) text.Append(", ");
                text.Append("@p").Append(r * columns.Count + c);
            }
            text.Append(')');
        }
        return text.ToString();
    }
}
