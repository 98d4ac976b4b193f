using System.Data;
using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Features.Audit;
using Guidelink.Core.Features.Organization;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Guidelink.Core.Features.Customers;

/// <summary>Imports customers from a CSV file (phone required; name, gender, birthday, store code, owner).
/// A row with an owner (a guide's employee number or a partner's phone) is a touch with channel and method
/// Import, attributed by the brand's policy; a row without one puts the customer in the store's pool. Bad rows
/// go to a rejected-rows report and are not imported; phones already in the brand are skipped, so running the
/// same file twice changes nothing.
/// <para>Built for volume: rows are prepared (normalised, hashed, encrypted) in parallel while the previous
/// batch is written with prepared ADO.NET commands inside one EF transaction per batch. Those writes bypass
/// SaveChanges, so this file stamps the brand's TenantId on every row itself.</para></summary>
public static class ImportCustomers
{
    public enum Field { Phone, Name, Gender, Birthday, Store, Owner }

    /// <param name="Csv">The file, UTF-8, first line a header.</param>
    /// <param name="Map">"column=field,..." for headers that are not the field names (phone, name, gender, birthday, store, owner).</param>
    /// <param name="Store">Code of the store for rows that name none.</param>
    /// <param name="RejectedReport">Where rejected rows go, as CSV: line, reason, then the original columns.</param>
    /// <param name="Progress">Told after each batch: rows read and bytes of the file consumed.</param>
    /// <param name="BatchSize">Rows per transaction.</param>
    public sealed record Request(Stream Csv, string? Map, string? Store, TextWriter? RejectedReport, IProgress<Progress>? Progress = null, int BatchSize = 5000);

    public sealed record Progress(long Rows, long BytesRead, long TotalBytes);

    public sealed record Response(long Rows, long Imported, long AlreadyPresent, long Rejected, TimeSpan Elapsed)
    {
        public double RowsPerSecond => Elapsed.TotalSeconds > 0 ? Rows / Elapsed.TotalSeconds : Rows;
    }

    private static readonly Dictionary<string, Field> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["phone"] = Field.Phone,
        ["mobile"] = Field.Phone,
        ["手机"] = Field.Phone,
        ["手机号"] = Field.Phone,
        ["电话"] = Field.Phone,
        ["name"] = Field.Name,
        ["姓名"] = Field.Name,
        ["gender"] = Field.Gender,
        ["sex"] = Field.Gender,
        ["性别"] = Field.Gender,
        ["birthday"] = Field.Birthday,
        ["生日"] = Field.Birthday,
        ["store"] = Field.Store,
        ["门店"] = Field.Store,
        ["owner"] = Field.Owner,
        ["guide"] = Field.Owner,
        ["导购"] = Field.Owner,
        ["归属"] = Field.Owner,
    };

    private static readonly string[] DateFormats = ["yyyy-MM-dd", "yyyy/MM/dd", "yyyyMMdd", "yyyy-M-d", "yyyy/M/d"];

    /// <summary>An owner the file may name, resolved once before the rows are read.</summary>
    private sealed record OwnerInfo(Owner Owner, bool Active, StoreId? HomeStore, string? PhoneHash);

    /// <summary>One row ready to write, or the reason it is not.</summary>
    private sealed class Row
    {
        public int Line;
        public string[] Fields = [];
        public string? Error;
        public string? PhoneHash;
        public string? PhoneCipher;
        public string? PhoneMasked;
        public string? Name;
        public Gender Gender;
        public DateOnly? Birthday;
        public StoreId? Store;
        public OwnerInfo? Owner;
    }

    public sealed class Handler(GuidelinkDb db, ActorContext actors, PiiProtector pii, TimeProvider clock)
    {
        public async Task<Outcome<Response>> HandleAsync(Request request, CancellationToken ct)
        {
            var started = Stopwatch.StartNew();
            var tenant = db.TenantContext.Required;
            var actor = actors.Current!;
            var now = clock.GetUtcNow();
            var total = request.Csv.CanSeek ? request.Csv.Length : 0;
            using var reader = new StreamReader(request.Csv, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16, leaveOpen: true);
            var csv = new CsvReader(reader);
            if (!csv.TryRead(out var header)) return Outcome<Response>.Invalid("file", "is empty: the first line must name the columns.");
            var columns = MapColumns(header, request.Map, out var mapError);
            if (mapError is not null) return Outcome<Response>.Invalid("map", mapError);

            var stores = (await db.Stores.AsNoTracking().Select(s => new { s.Code, s.Id }).ToListAsync(ct))
                .ToDictionary(s => s.Code, s => s.Id, StringComparer.OrdinalIgnoreCase);
            StoreId? defaultStore = null;
            if (request.Store is { Length: > 0 } code)
            {
                if (!stores.TryGetValue(code.Trim(), out var id)) return Outcome<Response>.Invalid("store", $"'{code}' is not a store code of this brand.");
                defaultStore = id;
            }

            var staffByNo = (await db.Staff.AsNoTracking().Include(s => s.Assignments).ToListAsync(ct))
                .Where(s => s.Role is StaffRole.Guide or StaffRole.Installer or StaffRole.StoreManager)
                .ToDictionary(s => s.EmployeeNo, s => new OwnerInfo(Owners.OfStaff(s), s.Status == StaffStatus.Active, s.AssignmentAt(now)?.StoreId, null), StringComparer.OrdinalIgnoreCase);
            var partnersByPhone = (await db.Partners.AsNoTracking().Where(p => p.PhoneHash != null).ToListAsync(ct))
                .GroupBy(p => p.PhoneHash!).ToDictionary(g => g.Key, g => g.OrderByDescending(p => p.Status == Partners.PartnerStatus.Active).First());
            var owners = new OwnerResolver(staffByNo, partnersByPhone.ToDictionary(p => p.Key,
                p => new OwnerInfo(p.Value.AsOwner, p.Value.Status == Partners.PartnerStatus.Active, p.Value.HomeStoreId, p.Key)), pii);
            var policy = await AttributionPolicy.InForceAsync(db, now, ct);
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            var existing = new HashSet<string>(await db.Customers.AsNoTracking().Where(c => c.PhoneHash != null).Select(c => c.PhoneHash!).ToListAsync(ct), StringComparer.Ordinal);

            request.RejectedReport?.WriteLine(CsvReader.Format(["line", "reason", .. header]));
            long rows = 0, rejected = 0, present = 0, imported = 0;
            var batchSize = Math.Clamp(request.BatchSize, 1, 50_000);
            var queue = Channel.CreateBounded<List<Row>>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });

            var writer = Task.Run(async () =>
            {
                try
                {
                    await using var sink = new RowWriter(db, tenant, now, actor.Name, policy);
                    await foreach (var batch in queue.Reader.ReadAllAsync(ct))
                    {
                        await sink.WriteAsync(batch, ct);
                        Interlocked.Add(ref imported, batch.Count);
                    }
                }
                catch (Exception ex)
                {
                    // Unblocks the reader of the file; the exception surfaces when the writer is awaited.
                    queue.Writer.TryComplete(ex);
                    throw;
                }
            }, ct);

            try
            {
                while (true)
                {
                    var chunk = new List<Row>(batchSize);
                    while (chunk.Count < batchSize && csv.TryRead(out var fields)) chunk.Add(new Row { Line = csv.Line, Fields = fields });
                    if (chunk.Count == 0) break;
                    rows += chunk.Count;

                    Parallel.For(0, chunk.Count, new ParallelOptions { CancellationToken = ct }, i => Prepare(chunk[i], columns, stores, defaultStore, owners));

                    var ready = new List<Row>(chunk.Count);
                    foreach (var row in chunk)
                    {
                        if (row.Error is null && row.PhoneHash is { } hash)
                        {
                            if (existing.Contains(hash)) { present++; continue; }
                            if (seen.TryGetValue(hash, out var firstLine)) row.Error = $"duplicate phone: the same number is on line {firstLine}";
                            else seen[hash] = row.Line;
                        }
                        if (row.Error is not null)
                        {
                            rejected++;
                            request.RejectedReport?.WriteLine(CsvReader.Format([row.Line.ToString(CultureInfo.InvariantCulture), row.Error, .. row.Fields]));
                            continue;
                        }
                        ready.Add(row);
                    }
                    // Only rows that will be written are encrypted (a re-run encrypts nothing); PhoneCipher carried the E.164 number until here.
                    Parallel.For(0, ready.Count, new ParallelOptions { CancellationToken = ct }, i => ready[i].PhoneCipher = pii.Protect(ready[i].PhoneCipher!));
                    if (ready.Count > 0 && !await TryQueueAsync(queue.Writer, ready, ct)) break;
                    request.Progress?.Report(new Progress(rows, request.Csv.CanSeek ? request.Csv.Position : 0, total));
                }
            }
            finally
            {
                queue.Writer.TryComplete();
            }
            await writer;
            if (request.RejectedReport is { } report) await report.FlushAsync(ct);

            db.AuditEntries.Add(AuditEntry.Create(tenant, clock.GetUtcNow(), actor.Kind.ToString(), actor.AuditId, actor.Name, "Customer.Imported", nameof(Customer), "import",
                null, $"{{\"rows\":{rows},\"imported\":{imported},\"alreadyPresent\":{present},\"rejected\":{rejected}}}"));
            await db.SaveChangesAsync(ct);
            return new Response(rows, imported, present, rejected, started.Elapsed);
        }

        private static async Task<bool> TryQueueAsync(ChannelWriter<List<Row>> queue, List<Row> batch, CancellationToken ct)
        {
            try
            {
                await queue.WriteAsync(batch, ct);
                return true;
            }
            catch (ChannelClosedException)
            {
                return false; // the writer failed; awaiting it reports why
            }
        }

        /// <summary>Validates and resolves one row; thread-safe (reads shared lookups only).</summary>
        private void Prepare(Row row, Dictionary<Field, int> columns, Dictionary<string, StoreId> stores, StoreId? defaultStore, OwnerResolver owners)
        {
            string Get(Field f) => columns.TryGetValue(f, out var i) && i < row.Fields.Length ? row.Fields[i].Trim() : "";
            var errors = new List<string>();

            var rawPhone = Get(Field.Phone);
            if (rawPhone.Length == 0) errors.Add("phone: is required");
            else if (!PhoneCache.TryNormalize(rawPhone, out var phone)) errors.Add($"phone: '{rawPhone}' is not a valid mainland China mobile number");
            else
            {
                row.PhoneHash = pii.LookupHash(phone);
                row.PhoneMasked = PhoneNumber.Mask(phone);
                row.PhoneCipher = phone;
            }

            var name = Get(Field.Name);
            if (name.Length > 100) errors.Add("name: must be at most 100 characters");
            row.Name = name.Length == 0 ? null : name;

            var gender = Get(Field.Gender);
            switch (gender.ToLowerInvariant())
            {
                case "" or "u" or "unknown" or "未知": row.Gender = Gender.Unknown; break;
                case "f" or "female" or "女": row.Gender = Gender.Female; break;
                case "m" or "male" or "男": row.Gender = Gender.Male; break;
                default: errors.Add($"gender: '{gender}' is not one of F, M, 女, 男"); break;
            }

            var birthday = Get(Field.Birthday);
            if (birthday.Length > 0)
            {
                if (DateOnly.TryParseExact(birthday, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) && date.Year >= 1900)
                    row.Birthday = date;
                else errors.Add($"birthday: '{birthday}' is not a date (yyyy-MM-dd)");
            }

            var ownerText = Get(Field.Owner);
            if (ownerText.Length > 0)
            {
                row.Owner = owners.Find(ownerText);
                if (row.Owner is null) errors.Add($"owner: '{ownerText}' is neither the employee number of a guide nor the phone of a partner of this brand");
            }

            var storeCode = Get(Field.Store);
            if (storeCode.Length > 0)
            {
                if (stores.TryGetValue(storeCode, out var store)) row.Store = store;
                else errors.Add($"store: '{storeCode}' is not a store code of this brand");
            }
            else row.Store = defaultStore ?? row.Owner?.HomeStore;
            if (row.Store is null && row.Owner is null && errors.Count == 0) errors.Add("store: a row without an owner needs a store (a store column or --store) for its pool");

            if (errors.Count > 0) row.Error = string.Join("; ", errors);
        }
    }

    private sealed class OwnerResolver(Dictionary<string, OwnerInfo> staffByNo, Dictionary<string, OwnerInfo> partnersByPhoneHash, PiiProtector pii)
    {
        public OwnerInfo? Find(string text)
        {
            if (staffByNo.TryGetValue(text, out var staff)) return staff;
            return PhoneNumber.TryNormalize(text, out var phone) && partnersByPhoneHash.TryGetValue(pii.LookupHash(phone), out var partner) ? partner : null;
        }
    }

    private static Dictionary<Field, int> MapColumns(string[] header, string? map, out string? error)
    {
        var columns = CsvColumns.Map(header, map, Aliases, out error);
        if (error is not null) return columns;
        if (!columns.ContainsKey(Field.Phone))
            error = $"no column holds the phone: name one 'phone' or map it (--map column=phone). Header: {string.Join(", ", header)}.";
        return columns;
    }

    /// <summary>Writes prepared rows (customer, touch, decision) with prepared commands, one transaction per batch.
    /// Rows are sent RowsPerStatement at a time in multi-row INSERTs (the rest one by one), customers before the
    /// touches and decisions that refer to them.</summary>
    private sealed class RowWriter : IAsyncDisposable
    {
        private const int RowsPerStatement = 100;

        private readonly GuidelinkDb _db;
        private readonly Shared.TenantId _tenant;
        private readonly DateTimeOffset _now;
        private readonly string _enteredBy;
        private readonly AttributionPolicy _policy;
        private readonly bool _sqlite;
        private Insert? _customers, _touches, _decisions;
        private (long WalAutocheckpoint, long Synchronous, long CacheSize)? _restore;

        public RowWriter(GuidelinkDb db, Shared.TenantId tenant, DateTimeOffset now, string enteredBy, AttributionPolicy policy)
        {
            _db = db;
            _tenant = tenant;
            _now = now;
            _enteredBy = enteredBy;
            _policy = policy;
            _sqlite = db.Database.IsSqlite();
        }

        public async Task WriteAsync(List<Row> batch, CancellationToken ct)
        {
            if (_customers is null) await OpenAsync(ct);
            await using var transaction = await _db.Database.BeginTransactionAsync(ct);
            var tx = transaction.GetDbTransaction();
            foreach (var insert in new[] { _customers!, _touches!, _decisions! }) insert.Enlist(tx);
            foreach (var row in batch)
            {
                var customerId = CustomerId.New().Value;
                var touchId = Guid.CreateVersion7();
                var owner = row.Owner;
                var claim = new Claim(owner?.Owner, owner?.Active ?? false, owner?.PhoneHash is { } ph && ph == row.PhoneHash, _now);
                var verdict = AttributionRules.Decide(null, null, claim, _policy);
                var claimant = verdict.Owner == owner?.Owner ? null : owner?.Owner;
                var now = Instant(_now);

                await _customers!.AddAsync([Uid(customerId), row.PhoneHash, row.PhoneCipher, row.PhoneMasked, row.Name, row.Gender.ToString(),
                    row.Birthday is { } b ? Date(b) : null, Uid(row.Store?.Value), verdict.Owner?.Kind.ToString(), Uid(verdict.Owner?.Id),
                    verdict.Owner is null ? null : now, Instant(verdict.ProtectedUntil), now, verdict.Owner is null ? 0 : 1], ct);
                await _touches!.AddAsync([Uid(touchId), Uid(customerId), owner?.Owner.Kind.ToString(), Uid(owner?.Owner.Id), nameof(TouchChannel.Import),
                    nameof(TouchMethod.Import), Uid(row.Store?.Value), now, now, _enteredBy], ct);
                await _decisions!.AddAsync([Uid(Guid.CreateVersion7()), Uid(customerId), Uid(touchId), now, now,
                    verdict.Owner?.Kind.ToString(), Uid(verdict.Owner?.Id), claimant?.Kind.ToString(), Uid(claimant?.Id), verdict.Owner is not null,
                    _policy.Version, verdict.Reason.ToString(), Instant(verdict.ProtectedUntil), "imported"], ct);
            }
            await _customers!.FlushAsync(ct);
            await _touches!.FlushAsync(ct);
            await _decisions!.FlushAsync(ct);
            await transaction.CommitAsync(ct);
        }

        private async Task OpenAsync(CancellationToken ct)
        {
            await _db.Database.OpenConnectionAsync(ct); // held until the context is disposed: the pragmas below stay in force
            var connection = _db.Database.GetDbConnection();
            if (_sqlite)
            {
                // For the import only (restored at the end): WAL with synchronous=NORMAL is durable at checkpoints and
                // cannot corrupt; fewer checkpoints and a bigger page cache keep the index inserts in memory.
                _restore = (await ScalarAsync(connection, "PRAGMA wal_autocheckpoint", ct), await ScalarAsync(connection, "PRAGMA synchronous", ct),
                    await ScalarAsync(connection, "PRAGMA cache_size", ct));
                await ScalarAsync(connection, "PRAGMA synchronous=NORMAL", ct);
                await ScalarAsync(connection, "PRAGMA wal_autocheckpoint=100000", ct);
                await ScalarAsync(connection, "PRAGMA cache_size=-262144", ct);
            }
            _customers = new Insert(this, connection, "Customers",
                ("TenantId", K.Guid), ("Id", K.Guid), ("PhoneHash", K.Text), ("PhoneCipher", K.Text), ("PhoneMasked", K.Text), ("Name", K.Text),
                ("Gender", K.Text), ("Birthday", K.Date), ("HomeStoreId", K.Guid), ("OwnerKind", K.Text), ("OwnerId", K.Guid), ("OwnedSince", K.Instant),
                ("ProtectedUntil", K.Instant), ("CreatedAt", K.Instant), ("Version", K.Int));
            _touches = new Insert(this, connection, "Touches",
                ("TenantId", K.Guid), ("Id", K.Guid), ("CustomerId", K.Guid), ("ToucherKind", K.Text), ("ToucherId", K.Guid), ("Channel", K.Text),
                ("Method", K.Text), ("StoreId", K.Guid), ("OccurredAt", K.Instant), ("RecordedAt", K.Instant), ("EnteredBy", K.Text));
            _decisions = new Insert(this, connection, "AttributionDecisions",
                ("TenantId", K.Guid), ("Id", K.Guid), ("CustomerId", K.Guid), ("TouchId", K.Guid), ("DecidedAt", K.Instant), ("RecordedAt", K.Instant),
                ("NewOwnerKind", K.Text), ("NewOwnerId", K.Guid), ("ClaimantKind", K.Text), ("ClaimantId", K.Guid), ("Changed", K.Bool),
                ("PolicyVersion", K.Int), ("Reason", K.Text), ("ProtectedUntil", K.Instant), ("Note", K.Text));
        }

        private static async Task<long> ScalarAsync(DbConnection connection, string sql, CancellationToken ct)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            return await command.ExecuteScalarAsync(ct) is { } value and not DBNull ? Convert.ToInt64(value, CultureInfo.InvariantCulture) : 0;
        }

        private enum K { Guid, Text, Instant, Date, Bool, Int }

        /// <summary>One table's INSERT: a multi-row statement for full groups and a single-row one for the rest.
        /// The brand is one shared parameter, stamped here — never taken from the file.</summary>
        private sealed class Insert : IAsyncDisposable
        {
            private readonly RowWriter _owner;
            private readonly DbCommand _single, _multi;
            private readonly int _columns;
            private readonly List<object?[]> _pending = new(RowsPerStatement);
            private readonly SQLitePCL.sqlite3_stmt? _native;
            private readonly SQLitePCL.sqlite3? _handle;

            public Insert(RowWriter owner, DbConnection connection, string table, params (string Column, K Kind)[] columns)
            {
                _owner = owner;
                _columns = columns.Length - 1;
                _single = Create(connection, table, columns, 1);
                _multi = Create(connection, table, columns, RowsPerStatement);
                if (connection is Microsoft.Data.Sqlite.SqliteConnection sqlite)
                {
                    // SQLite: one statement stepped per row, bound by position. Microsoft.Data.Sqlite binds every
                    // parameter by name on every execution, which costs more than the insert itself at this volume.
                    _handle = sqlite.Handle!;
                    Check(SQLitePCL.raw.sqlite3_prepare_v2(_handle, _single.CommandText, out var statement));
                    _native = statement;
                }
            }

            public void Enlist(DbTransaction transaction) => _single.Transaction = _multi.Transaction = transaction;

            public async Task AddAsync(object?[] values, CancellationToken ct)
            {
                if (_native is { } statement)
                {
                    StepNative(statement, values);
                    return;
                }
                _pending.Add(values);
                if (_pending.Count < RowsPerStatement) return;
                Bind(_multi, _pending);
                await _owner.ExecuteAsync(_multi, ct);
                _pending.Clear();
            }

            public async Task FlushAsync(CancellationToken ct)
            {
                foreach (var values in _pending)
                {
                    Bind(_single, [values]);
                    await _owner.ExecuteAsync(_single, ct);
                }
                _pending.Clear();
            }

            private void Bind(DbCommand command, List<object?[]> rows)
            {
                var parameters = command.Parameters;
                for (var r = 0; r < rows.Count; r++)
                    for (var i = 0; i < _columns; i++)
                        parameters[1 + r * _columns + i].Value = rows[r][i] ?? DBNull.Value;
            }

            private DbCommand Create(DbConnection connection, string table, (string Column, K Kind)[] columns, int rows)
            {
                var command = connection.CreateCommand();
                var values = Enumerable.Range(0, rows).Select(r => "(@t, " + string.Join(", ", Enumerable.Range(0, _columns).Select(i => $"@p{r}_{i}")) + ")");
                command.CommandText = $"INSERT INTO \"{table}\" ({string.Join(", ", columns.Select(c => $"\"{c.Column}\""))}) VALUES {string.Join(", ", values)}";
                Add(command, "@t", columns[0].Kind).Value = _owner.Uid(_owner._tenant.Value);
                for (var r = 0; r < rows; r++)
                    for (var i = 1; i <= _columns; i++) Add(command, $"@p{r}_{i - 1}", columns[i].Kind);
                return command;
            }

            private DbParameter Add(DbCommand command, string name, K kind)
            {
                var p = command.CreateParameter();
                p.ParameterName = name;
                var sqlite = _owner._sqlite;
                p.DbType = kind switch
                {
                    K.Guid => sqlite ? DbType.String : DbType.Guid,
                    K.Text => DbType.String,
                    K.Instant => sqlite ? DbType.Int64 : DbType.DateTimeOffset,
                    K.Date => sqlite ? DbType.String : DbType.Date,
                    K.Bool => DbType.Boolean,
                    _ => DbType.Int32,
                };
                command.Parameters.Add(p);
                return p;
            }

            private void StepNative(SQLitePCL.sqlite3_stmt statement, object?[] values)
            {
                Check(SQLitePCL.raw.sqlite3_bind_text(statement, 1, TenantText));
                for (var i = 0; i < values.Length; i++)
                {
                    var rc = values[i] switch
                    {
                        null => SQLitePCL.raw.sqlite3_bind_null(statement, i + 2),
                        string text => SQLitePCL.raw.sqlite3_bind_text(statement, i + 2, text),
                        long number => SQLitePCL.raw.sqlite3_bind_int64(statement, i + 2, number),
                        int number => SQLitePCL.raw.sqlite3_bind_int(statement, i + 2, number),
                        bool flag => SQLitePCL.raw.sqlite3_bind_int(statement, i + 2, flag ? 1 : 0),
                        var other => throw new InvalidOperationException($"No SQLite binding for {other.GetType()}."),
                    };
                    Check(rc);
                }
                var step = SQLitePCL.raw.sqlite3_step(statement);
                SQLitePCL.raw.sqlite3_reset(statement);
                if (step != SQLitePCL.raw.SQLITE_DONE) Check(step);
            }

            private string TenantText => (string)_owner.Uid(_owner._tenant.Value)!;

            private void Check(int rc)
            {
                if (rc is SQLitePCL.raw.SQLITE_OK or SQLitePCL.raw.SQLITE_DONE or SQLitePCL.raw.SQLITE_ROW) return;
                // The same exception Microsoft.Data.Sqlite throws, so unique and busy errors read as usual.
                throw new Microsoft.Data.Sqlite.SqliteException(SQLitePCL.raw.sqlite3_errmsg(_handle).utf8_to_string(), rc, SQLitePCL.raw.sqlite3_extended_errcode(_handle));
            }

            public async ValueTask DisposeAsync()
            {
                _native?.Dispose();
                await _single.DisposeAsync();
                await _multi.DisposeAsync();
            }
        }

        /// <summary>SQLite has no asynchronous I/O: the synchronous call saves a task per statement.</summary>
        private Task ExecuteAsync(DbCommand command, CancellationToken ct)
        {
            if (!_sqlite) return command.ExecuteNonQueryAsync(ct);
            command.ExecuteNonQuery();
            return Task.CompletedTask;
        }

        // Values as EF stores them: SQLite keeps Guids as upper-case text, instants as UTC ticks, dates as ISO text.
        private object? Uid(Guid? value) => value is { } g ? _sqlite ? g.ToString().ToUpperInvariant() : g : null;
        private object? Instant(DateTimeOffset? value) => value is { } v ? _sqlite ? v.UtcTicks : v.ToUniversalTime() : null;
        private object Date(DateOnly value) => _sqlite ? value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : value;

        public async ValueTask DisposeAsync()
        {
            if (_customers is not null) await _customers.DisposeAsync();
            if (_touches is not null) await _touches.DisposeAsync();
            if (_decisions is not null) await _decisions.DisposeAsync();
            if (_restore is { } restore)
            {
                var connection = _db.Database.GetDbConnection();
                await ScalarAsync(connection, FormattableString.Invariant($"PRAGMA wal_autocheckpoint={restore.WalAutocheckpoint}"), CancellationToken.None);
                await ScalarAsync(connection, FormattableString.Invariant($"PRAGMA synchronous={restore.Synchronous}"), CancellationToken.None);
                await ScalarAsync(connection, FormattableString.Invariant($"PRAGMA cache_size={restore.CacheSize}"), CancellationToken.None);
                await ScalarAsync(connection, "PRAGMA wal_checkpoint(TRUNCATE)", CancellationToken.None);
            }
            if (_customers is not null) await _db.Database.CloseConnectionAsync();
        }
    }
}

/// <summary>Phone validation at import speed: an 11-digit number written plainly is valid or not by its first
/// seven digits (the number block), so the full parse runs once per block and its verdict is reused. Anything
/// else (spaces, dashes, +86, 0086) goes through <see cref="PhoneNumber.TryNormalize"/> itself.</summary>
internal static class PhoneCache
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, bool> Blocks = new();

    public static bool TryNormalize(string input, out string e164)
    {
        if (input.Length != 11 || input[0] != '1' || input.AsSpan().ContainsAnyExceptInRange('0', '9')) return PhoneNumber.TryNormalize(input, out e164);
        var block = int.Parse(input.AsSpan(0, 7), CultureInfo.InvariantCulture);
        if (!Blocks.TryGetValue(block, out var valid))
        {
            valid = PhoneNumber.TryNormalize(input, out var full) && full == "+86" + input;
            Blocks[block] = valid;
        }
        e164 = valid ? "+86" + input : "";
        return valid;
    }
}

/// <summary>RFC 4180 CSV: quoted fields may hold commas, doubled quotes and line breaks.</summary>
internal sealed class CsvReader(TextReader reader)
{
    private int _next = 1;

    /// <summary>The physical line the last record started on (1 = the header).</summary>
    public int Line { get; private set; }

    public bool TryRead(out string[] fields)
    {
        fields = [];
        string? line;
        do
        {
            line = reader.ReadLine();
            if (line is null) return false;
            Line = _next++;
        } while (line.Length == 0);
        while (QuotesOpen(line) && reader.ReadLine() is { } more)
        {
            line = line + "\n" + more;
            _next++;
        }
        fields = Split(line);
        return true;
    }

    private static bool QuotesOpen(string line) => line.AsSpan().Count('"') % 2 == 1;

    private static string[] Split(string line)
    {
        if (!line.Contains('"', StringComparison.Ordinal)) return line.Split(',');
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c != '"') field.Append(c);
                else if (i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
                else quoted = false;
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(c);
        }
        fields.Add(field.ToString());
        return fields.ToArray();
    }

    public static string Format(IEnumerable<string> fields) => string.Join(",", fields.Select(f =>
        f.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + f.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : f));
}
