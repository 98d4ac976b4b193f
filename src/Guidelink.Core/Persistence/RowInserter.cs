using System.Collections.Concurrent;
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

    public static void Insert<T>(GuidelinkDb db, IReadOnlyList<T> rows) where T : class, ITenantOwned
    {
        if (rows.Count == 0) return;
        var tenant = db.CurrentTenantId;
        foreach (var row in rows)
            if (row.TenantId != tenant) throw new TenantViolationException($"Refused to insert {typeof(T).Name} of another brand.");
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("RowInserter writes inside the caller's transaction.");

        var sqlite = db.Database.IsSqlite();
        var entityType = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not mapped.");
        var table = Tables.GetOrAdd((entityType, sqlite), key => Describe(key.Item1, db.GetService<ISqlGenerationHelper>()));
        var connection = db.Database.GetDbConnection();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        var perStatement = sqlite ? 1 : Math.Max(1, MaxParameters / table.Columns.Count);
        for (var start = 0; start < rows.Count; start += perStatement)
        {
            var count = Math.Min(perStatement, rows.Count - start);
            var text = count == 1 ? table.SingleRow : Statement(table.Name, table.Columns, count);
            if (command.CommandText != text) command.CommandText = text; // unchanged text keeps SQLite's prepared statement
            command.Parameters.Clear();
            for (var r = 0; r < count; r++)
            {
                var row = rows[start + r];
                for (var c = 0; c < table.Columns.Count; c++)
                {
                    var column = table.Columns[c];
                    var value = column.Property.GetGetter().GetClrValueUsingContainingEntity(row);
                    command.Parameters.Add(column.Mapping.CreateParameter(command, $"@p{r * table.Columns.Count + c}", value, column.Property.IsNullable));
                }
            }
            command.ExecuteNonQuery();
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
