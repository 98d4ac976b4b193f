using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Linq.Expressions;
using System.Text;
using Guidelink.Core.Features.Tenancy;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Guidelink.Core.Persistence;

/// <summary>Inserts new rows without change tracking, for the hot append-only paths (the touch writer's new customers,
/// touches and decisions; the batch ingest's customers, orders, lines, touches, decisions, commission lines and ledger
/// rows), where EF's Add + SaveChanges cost several times the insert itself. The columns, the SQL names and every value's
/// conversion come from the EF model (the property's value converter and store type), so the rows are exactly those
/// SaveChanges would write and a new mapped property is written without touching this code. What it does not do, the
/// caller must: on SQLite run inside a transaction and hold the write gate, and insert parents before children. It checks
/// the brand itself (the write guard only sees tracked entities).
/// <para>Each column is read and converted by a delegate compiled once per entity type (no boxing, no reflection per value).
/// SQLite: one prepared statement per table stepped once per row, bound by position through SQLitePCL — Microsoft.Data.Sqlite
/// looks every parameter up by name on every execution, which cost more than the insert. Values are bound as
/// Microsoft.Data.Sqlite binds them (Guid as upper-case text, bool as 0/1, integers as int64); a table with a column of
/// any other provider type goes through Microsoft.Data.Sqlite's parameters instead. PostgreSQL: inside a transaction, a
/// list of <see cref="CopyFrom"/> rows or more goes through binary COPY (one stream, each value in its store type); smaller
/// lists, and everything outside a transaction, go as one <c>INSERT … SELECT * FROM unnest(arrays)</c> per table in one
/// batch (one round trip, and without a transaction PostgreSQL runs the batch as a single implicit transaction: all rows or
/// none). That statement carries one array parameter per column instead of one parameter per value, and its text does not
/// change with the row count.</para></summary>
public static class RowInserter
{
    /// <summary>From this many rows a list goes to PostgreSQL by COPY (inside a transaction).</summary>
    public const int CopyFrom = 32;

    private static readonly ConcurrentDictionary<(IEntityType, bool), Table> Tables = new();

    private sealed record Column(IProperty Property, RelationalTypeMapping Mapping, string Name);

    private sealed class Table(string name, IReadOnlyList<Column> columns)
    {
        public string Name { get; } = name;
        public IReadOnlyList<Column> Columns { get; } = columns;
        public string SingleRow { get; } = Statement(name, columns, 1);

        /// <summary>SQLite: the same INSERT with positional parameters, and one binder per column (null: a column of a
        /// provider type bound only through Microsoft.Data.Sqlite).</summary>
        public string Positional { get; } = $"INSERT INTO {name} ({string.Join(", ", columns.Select(c => c.Name))}) VALUES ({string.Join(", ", columns.Select(_ => "?"))})";
        public Action<SQLitePCL.sqlite3_stmt, object>? BindSqlite { get; init; }

        /// <summary>PostgreSQL: the COPY command and the row writer.</summary>
        public string Copy { get; } = $"COPY {name} ({string.Join(", ", columns.Select(c => c.Name))}) FROM STDIN (FORMAT BINARY)";
        public Action<NpgsqlBinaryImporter, object>? WriteCopy { get; init; }

        /// <summary>PostgreSQL: one INSERT of any number of rows, one array parameter per column, and the makers of those
        /// arrays. A multi-row VALUES list took one Npgsql parameter per value (made through the type mapping, the bulk
        /// of the writer's own time) and a new text, parsed by PostgreSQL, for every row count.</summary>
        public string Unnest { get; } = $"INSERT INTO {name} ({string.Join(", ", columns.Select(c => c.Name))}) SELECT * FROM unnest({string.Join(", ", columns.Select((c, i) => $"${i + 1}::{c.Mapping.StoreTypeNameBase}[]"))})";
        public IReadOnlyList<ColumnArray>? Arrays { get; init; }
    }

    /// <summary>Makes one column's array parameter for a list of rows: each value as the database gets it (the provider
    /// value, nullable elements for a nullable column, text cut to the column's size).</summary>
    private abstract class ColumnArray
    {
        public abstract Array Of(IReadOnlyList<ITenantOwned> rows);
    }

    private sealed class ColumnArray<TRow, TValue>(Func<TRow, TValue> value) : ColumnArray
    {
        public override Array Of(IReadOnlyList<ITenantOwned> rows)
        {
            var array = new TValue[rows.Count];
            for (var i = 0; i < array.Length; i++) array[i] = value((TRow)(object)rows[i]);
            return array;
        }
    }

    /// <summary>Inserts these rows of each list, in the order given (parents first). SQLite: inside the caller's transaction
    /// (required). PostgreSQL: inside the caller's transaction if there is one, else as one batch, which PostgreSQL runs as a
    /// single implicit transaction (all rows or none).</summary>
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
            return Tables.GetOrAdd((entityType, sqlite), key => Describe(key.Item1, key.Item2, sql));
        }

        if (sqlite)
        {
            foreach (var rows in lists.Where(l => l.Count > 0))
            {
                var table = TableOf(rows);
                if (table.BindSqlite is { } bind) InsertSqlite((SqliteConnection)connection, table, bind, rows);
                else InsertSqliteByName(connection, transaction!, table, rows);
            }
            return;
        }

        if (transaction is null)
        {
            InsertPostgres(connection, null, lists, TableOf);
            return;
        }
        // Parents first: small lists wait in one INSERT batch (one round trip) until a big one goes by COPY or the end.
        var small = new List<IReadOnlyList<ITenantOwned>>();
        foreach (var rows in lists.Where(l => l.Count > 0))
        {
            var table = TableOf(rows);
            if (rows.Count < CopyFrom || table.WriteCopy is not { } write)
            {
                small.Add(rows);
                continue;
            }
            InsertPostgres(connection, transaction, small, TableOf);
            small.Clear();
            using var importer = ((NpgsqlConnection)connection).BeginBinaryImport(table.Copy);
            foreach (var row in rows)
            {
                importer.StartRow();
                write(importer, row);
            }
            importer.Complete();
        }
        InsertPostgres(connection, transaction, small, TableOf);
    }

    private static void InsertSqlite(SqliteConnection connection, Table table, Action<SQLitePCL.sqlite3_stmt, object> bind, IReadOnlyList<ITenantOwned> rows)
    {
        var handle = connection.Handle!;
        Check(handle, SQLitePCL.raw.sqlite3_prepare_v2(handle, table.Positional, out var statement));
        using (statement)
            foreach (var row in rows)
            {
                bind(statement, row);
                var step = SQLitePCL.raw.sqlite3_step(statement);
                SQLitePCL.raw.sqlite3_reset(statement);
                if (step != SQLitePCL.raw.SQLITE_DONE) Check(handle, step);
            }
    }

    private static void InsertSqliteByName(DbConnection connection, DbTransaction transaction, Table table, IReadOnlyList<ITenantOwned> rows)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = table.SingleRow; // one text per table: its prepared statement is kept across the rows
        foreach (var row in rows)
        {
            command.Parameters.Clear();
            AddParameters(command, command.Parameters, table, row, 0);
            command.ExecuteNonQuery();
        }
    }

    private static void InsertPostgres(DbConnection connection, DbTransaction? transaction, IReadOnlyList<IReadOnlyList<ITenantOwned>> lists,
        Func<IReadOnlyList<ITenantOwned>, Table> tableOf)
    {
        using var batch = (NpgsqlBatch)connection.CreateBatch();
        batch.Transaction = (NpgsqlTransaction?)transaction;
        foreach (var rows in lists.Where(l => l.Count > 0))
        {
            var table = tableOf(rows);
            // Positional parameters ($1…): Npgsql sends the text as it is, without rewriting named ones.
            var statement = new NpgsqlBatchCommand(table.Unnest);
            foreach (var column in table.Arrays!) statement.Parameters.Add(new NpgsqlParameter { Value = column.Of(rows) });
            batch.BatchCommands.Add(statement);
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

    private static Table Describe(IEntityType entityType, bool sqlite, ISqlGenerationHelper sql)
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
        var tableName = sql.DelimitIdentifier(name, entityType.GetSchema());
        return sqlite
            ? new Table(tableName, columns) { BindSqlite = CompileSqliteBinder(entityType.ClrType, columns) }
            : new Table(tableName, columns) { WriteCopy = CompileCopyWriter(entityType.ClrType, columns), Arrays = columns.Select(c => CompileColumnArray(entityType.ClrType, c)).ToList() };
    }

    private static ColumnArray CompileColumnArray(Type clrType, Column column)
    {
        var row = Expression.Parameter(clrType, "row");
        var (value, isNull) = ProviderValue(row, column);
        // Text is cut to the column's size here. Note SaveChanges differs on PostgreSQL: it refuses over-long text ("value
        // too long", RowInserterTests found it); callers cut their text first, so no path sends any today.
        if (value.Type == typeof(string) && column.Mapping.Size is > 0 and var size)
            value = Expression.Call(typeof(RowInserter), nameof(Cut), null, value, Expression.Constant(size));
        var type = isNull is not null && value.Type.IsValueType ? typeof(Nullable<>).MakeGenericType(value.Type) : value.Type;
        if (value.Type != type) value = Expression.Convert(value, type);
        if (isNull is not null) value = Expression.Condition(isNull, Expression.Default(type), value);
        var getter = Expression.Lambda(typeof(Func<,>).MakeGenericType(clrType, type), value, row).Compile();
        return (ColumnArray)Activator.CreateInstance(typeof(ColumnArray<,>).MakeGenericType(clrType, type), getter)!;
    }

    /// <summary>The column's value as the database gets it: read from the row, through the property's value converter.
    /// Returns the value expression (of the provider type, never nullable) and the test for null (null: never null).</summary>
    private static (Expression Value, Expression? IsNull) ProviderValue(Expression row, Column column)
    {
        var property = column.Property;
        Expression value = property.PropertyInfo is { } info ? Expression.Property(row, info)
            : Expression.Field(row, property.FieldInfo ?? throw new InvalidOperationException($"{property.Name} has no property or field."));
        Expression? isNull = null;
        if (!value.Type.IsValueType) isNull = Expression.Equal(value, Expression.Constant(null, value.Type));
        else if (Nullable.GetUnderlyingType(value.Type) is { } underlying)
        {
            isNull = Expression.Not(Expression.Property(value, "HasValue"));
            value = Expression.Property(value, "Value");
            _ = underlying;
        }
        if (column.Mapping.Converter is { } converter)
        {
            var convert = converter.ConvertToProviderExpression;
            if (value.Type != convert.Parameters[0].Type) value = Expression.Convert(value, convert.Parameters[0].Type);
            value = ReplacingVisitor.Replace(convert.Parameters[0], value, convert.Body);
        }
        if (Nullable.GetUnderlyingType(value.Type) is not null) value = Expression.Property(value, "Value");
        return (value, isNull);
    }

    private static Action<SQLitePCL.sqlite3_stmt, object>? CompileSqliteBinder(Type clrType, IReadOnlyList<Column> columns)
    {
        var statement = Expression.Parameter(typeof(SQLitePCL.sqlite3_stmt), "statement");
        var boxed = Expression.Parameter(typeof(object), "row");
        var row = Expression.Variable(clrType, "typed");
        var body = new List<Expression> { Expression.Assign(row, Expression.Convert(boxed, clrType)) };
        for (var c = 0; c < columns.Count; c++)
        {
            var (value, isNull) = ProviderValue(row, columns[c]);
            var index = Expression.Constant(c + 1);
            var method = typeof(SqliteBind).GetMethod(nameof(SqliteBind.Value), [typeof(SQLitePCL.sqlite3_stmt), typeof(int), value.Type, typeof(int)]);
            if (method is null) return null; // a type Microsoft.Data.Sqlite formats itself (dates, decimals…): bind by name
            var size = Expression.Constant(columns[c].Mapping.Size ?? 0);
            Expression bind = Expression.Call(method, statement, index, value, size);
            if (isNull is not null) bind = Expression.Condition(isNull, Expression.Call(typeof(SqliteBind), nameof(SqliteBind.Null), null, statement, index), bind);
            body.Add(Expression.Call(typeof(SqliteBind), nameof(SqliteBind.Check), null, statement, bind));
        }
        return Expression.Lambda<Action<SQLitePCL.sqlite3_stmt, object>>(Expression.Block([row], body), statement, boxed).Compile();
    }

    private static Action<NpgsqlBinaryImporter, object>? CompileCopyWriter(Type clrType, IReadOnlyList<Column> columns)
    {
        var importer = Expression.Parameter(typeof(NpgsqlBinaryImporter), "importer");
        var boxed = Expression.Parameter(typeof(object), "row");
        var row = Expression.Variable(clrType, "typed");
        var body = new List<Expression> { Expression.Assign(row, Expression.Convert(boxed, clrType)) };
        var write = typeof(NpgsqlBinaryImporter).GetMethods().Single(m => m.Name == nameof(NpgsqlBinaryImporter.Write) && m.IsGenericMethodDefinition
            && m.GetParameters() is [_, { ParameterType: var p }] && p == typeof(string));
        var writeNull = typeof(NpgsqlBinaryImporter).GetMethod(nameof(NpgsqlBinaryImporter.WriteNull), Type.EmptyTypes)!;
        foreach (var column in columns)
        {
            var (value, isNull) = ProviderValue(row, column);
            // Text is cut to the column's size, as in the unnest path (SaveChanges would refuse it on PostgreSQL; see there).
            if (value.Type == typeof(string) && column.Mapping.Size is > 0 and var size)
                value = Expression.Call(typeof(RowInserter), nameof(Cut), null, value, Expression.Constant(size));
            // The column's own type (e.g. "character varying", "timestamp with time zone"), as the INSERT would have it.
            Expression call = Expression.Call(importer, write.MakeGenericMethod(value.Type), value, Expression.Constant(column.Mapping.StoreTypeNameBase));
            if (isNull is not null) call = Expression.IfThenElse(isNull, Expression.Call(importer, writeNull), call);
            body.Add(call);
        }
        return Expression.Lambda<Action<NpgsqlBinaryImporter, object>>(Expression.Block([row], body), importer, boxed).Compile();
    }

    private static string Cut(string value, int size) => value.Length > size ? value[..size] : value;

    private static void Check(SQLitePCL.sqlite3 handle, int rc)
    {
        if (rc is SQLitePCL.raw.SQLITE_OK or SQLitePCL.raw.SQLITE_DONE or SQLitePCL.raw.SQLITE_ROW) return;
        // The same exception Microsoft.Data.Sqlite throws, so unique and busy errors read as usual.
        throw new SqliteException(SQLitePCL.raw.sqlite3_errmsg(handle).utf8_to_string(), rc, SQLitePCL.raw.sqlite3_extended_errcode(handle));
    }

    /// <summary>Binds a provider value by position the way Microsoft.Data.Sqlite's value binder does for that type.</summary>
    private static class SqliteBind
    {
        public static void Check(SQLitePCL.sqlite3_stmt statement, int rc)
        {
            if (rc != SQLitePCL.raw.SQLITE_OK) RowInserter.Check(SQLitePCL.raw.sqlite3_db_handle(statement), rc);
        }

        public static int Null(SQLitePCL.sqlite3_stmt s, int i) => SQLitePCL.raw.sqlite3_bind_null(s, i);

        // Microsoft.Data.Sqlite truncates text to the parameter's Size (EF sets it from the mapping).
        public static int Value(SQLitePCL.sqlite3_stmt s, int i, string v, int size)
        {
            var text = size > 0 ? Cut(v, size) : v;
            // Most values are short (ids, hashes, names): encoded on the stack and bound from there (SQLite copies them),
            // where the string overload allocated a new UTF-8 array per value — ~9 % of the SQLite batch ingest. An empty
            // string keeps the string overload: SQLite binds NULL for a null pointer, and an empty span may give one.
            var max = Encoding.UTF8.GetMaxByteCount(text.Length);
            if (text.Length == 0 || max > 1024) return SQLitePCL.raw.sqlite3_bind_text(s, i, text);
            Span<byte> utf8 = stackalloc byte[max];
            return SQLitePCL.raw.sqlite3_bind_text(s, i, utf8[..Encoding.UTF8.GetBytes(text, utf8)]);
        }

        public static int Value(SQLitePCL.sqlite3_stmt s, int i, Guid v, int size)
        {
            // Upper-case text, as Microsoft.Data.Sqlite writes a Guid (and EF compares it).
            Span<byte> text = stackalloc byte[36];
            v.TryFormat(text, out _, "D");
            for (var k = 0; k < text.Length; k++)
                if (text[k] is >= (byte)'a' and <= (byte)'f') text[k] -= 'a' - 'A';
            return SQLitePCL.raw.sqlite3_bind_text(s, i, text);
        }

        public static int Value(SQLitePCL.sqlite3_stmt s, int i, long v, int size) => SQLitePCL.raw.sqlite3_bind_int64(s, i, v);
        public static int Value(SQLitePCL.sqlite3_stmt s, int i, int v, int size) => SQLitePCL.raw.sqlite3_bind_int64(s, i, v);
        public static int Value(SQLitePCL.sqlite3_stmt s, int i, short v, int size) => SQLitePCL.raw.sqlite3_bind_int64(s, i, v);
        public static int Value(SQLitePCL.sqlite3_stmt s, int i, byte v, int size) => SQLitePCL.raw.sqlite3_bind_int64(s, i, v);
        public static int Value(SQLitePCL.sqlite3_stmt s, int i, bool v, int size) => SQLitePCL.raw.sqlite3_bind_int64(s, i, v ? 1 : 0);
        public static int Value(SQLitePCL.sqlite3_stmt s, int i, double v, int size) => SQLitePCL.raw.sqlite3_bind_double(s, i, v);

        // Microsoft.Data.Sqlite writes a DateOnly as ISO text.
        public static int Value(SQLitePCL.sqlite3_stmt s, int i, DateOnly v, int size) =>
            SQLitePCL.raw.sqlite3_bind_text(s, i, v.ToString(@"yyyy\-MM\-dd", CultureInfo.InvariantCulture));
    }

    private sealed class ReplacingVisitor(ParameterExpression from, Expression to) : ExpressionVisitor
    {
        public static Expression Replace(ParameterExpression from, Expression to, Expression body) => new ReplacingVisitor(from, to).Visit(body);

        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
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
