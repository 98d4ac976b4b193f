using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Audit;
using Guidelink.Core.Features.Catalog;
using Guidelink.Core.Features.Commission;
using Guidelink.Core.Features.Customers;
using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Features.Organization;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Core.Features.Orders;

/// <summary>Imports invoice lines (the shape of the UCI "Online Retail" file: InvoiceNo, StockCode, Description, Quantity,
/// InvoiceDate, UnitPrice, CustomerID, Country), plain or gzip (told by its magic bytes).
/// <para>An invoice is an order (its lines grouped), idempotent by (channel, invoice number); amounts are read as the
/// brand's currency, the date as the brand's local time; Country is the store and StockCode the SKU (unknown ones created
/// with <see cref="Request.CreateMissing"/>); CustomerID is the customer's external id ("import:ID"), created in the store's
/// pool when unknown; a line without one makes an anonymous order. Lines with quantity ≤ 0 or a price with more than two
/// decimals go to the rejected report. A cancellation line (invoice "C…") refunds the customer's most recent earlier purchase
/// of the same StockCode with quantity left (then the next most recent, for what is left), through the same refund logic as
/// the API, keyed "C…/line" so it is recorded once; what finds no purchase is reported.</para>
/// <para>Built for volume: invoices are sorted by date; the unknown customers and products are created first, in one
/// SaveChanges each; then the invoices are written in chunks (cut only where the date changes, so a re-run sees the same
/// history at every cancellation): the chunk's orders through <see cref="IngestOrders"/> (one read of the state and one
/// SaveChanges per batch of about <see cref="Request.BatchSize"/> — two batches at once, one per core, when that cannot change
/// the outcome), then the chunk's cancellations with one query for their candidate purchases and one SaveChanges.</para></summary>
public static class ImportOrders
{
    public enum Field { Invoice, Sku, Description, Quantity, Date, Price, Customer, Country }

    /// <param name="File">The file: UTF-8 CSV with a header, optionally gzip-compressed.</param>
    /// <param name="Map">"column=field,..." for headers that are not the known names (fields: invoice, sku, description, quantity, date, price, customer, country).</param>
    /// <param name="CreateMissing">Create unknown stores (from Country) and products (from StockCode).</param>
    /// <param name="RejectedReport">Rejected and unmatched lines, as CSV: line, reason, then the original columns.</param>
    /// <param name="Progress">Told as the file is read (bytes) and as invoices are written.</param>
    /// <param name="Channel">The orders' channel (with the invoice number, the idempotency key).</param>
    /// <param name="BatchSize">Invoices per IngestOrders batch; a chunk (one refund save) is one batch per unit of work.</param>
    /// <param name="Concurrent">Use both cores where that cannot change the outcome (see <c>SecondWorkerAsync</c>); false: every step
    /// one after the other on one unit of work (what the tests compare the concurrent import with).</param>
    public sealed record Request(Stream File, string? Map, bool CreateMissing, TextWriter? RejectedReport, IProgress<Progress>? Progress = null,
        string Channel = nameof(OrderChannel.Other), int BatchSize = 1000, bool Concurrent = true);

    public enum Stage { Reading, Writing }

    /// <summary>Reading: bytes of the file consumed of its length; Writing: invoices written of all.</summary>
    public sealed record Progress(Stage Stage, long Done, long Total);

    public sealed record Response(long Lines, long Invoices, long OrdersCreated, long OrdersPresent, long CancellationLines, long Refunded,
        long PartiallyMatched, long Unmatched, long RefundsPresent, long Rejected, long CustomersCreated, long StoresCreated, long ProductsCreated,
        long RefundedFen, long ReversedFen, TimeSpan Elapsed)
    {
        public double LinesPerSecond => Elapsed.TotalSeconds > 0 ? Lines / Elapsed.TotalSeconds : Lines;
    }

    /// <summary>The prefix of the customers' external ids: the file's CustomerID is this source's own number.</summary>
    public const string CustomerKeyPrefix = "import:";

    private static readonly Dictionary<string, Field> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["invoiceno"] = Field.Invoice,
        ["invoice"] = Field.Invoice,
        ["stockcode"] = Field.Sku,
        ["sku"] = Field.Sku,
        ["description"] = Field.Description,
        ["quantity"] = Field.Quantity,
        ["invoicedate"] = Field.Date,
        ["date"] = Field.Date,
        ["unitprice"] = Field.Price,
        ["price"] = Field.Price,
        ["customerid"] = Field.Customer,
        ["customer"] = Field.Customer,
        ["country"] = Field.Country,
    };

    private static readonly string[] DateFormats = ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-ddTHH:mm:ss", "M/d/yyyy H:mm", "M/d/yyyy H:mm:ss", "yyyy/MM/dd HH:mm:ss", "yyyy/M/d H:mm"];

    /// <summary>One line of the file, parsed (or the reason it is not).</summary>
    private sealed class Line
    {
        public int FileLine;
        public string[] Fields = [];
        public string Invoice = "";
        public string Sku = "";
        public string Description = "";
        public int Quantity;
        public decimal Price;
        public DateTimeOffset At;
        public string? Customer;
        public string Country = "";
        public string? Error;
        public bool Cancellation => Invoice.StartsWith('C');
    }

    private sealed class Invoice(string number)
    {
        public string Number { get; } = number;
        public List<Line> Lines { get; } = [];
        public DateTimeOffset At => Lines[0].At;
        public int FirstLine => Lines[0].FileLine;
    }

    public sealed class Handler(GuidelinkDb db, IngestOrders.Handler ingest, ActorContext actors, TimeProvider clock, IServiceScopeFactory scopes)
    {
        public async Task<Outcome<Response>> HandleAsync(Request request, CancellationToken ct)
        {
            var started = Stopwatch.StartNew();
            var tenantId = db.TenantContext.Required;
            var tenant = await db.Tenants.AsNoTracking().FirstAsync(t => t.Id == tenantId, ct);
            var zone = tenant.Zone;
            if (!Enum.TryParse<OrderChannel>(request.Channel, true, out var channel) || !Enum.IsDefined(channel))
                return Outcome<Response>.Invalid("channel", $"must be one of {string.Join(", ", Enum.GetNames<OrderChannel>())}.");

            // gzip is told by its magic bytes (1f 8b), whatever the file is called.
            var input = request.File.CanSeek ? request.File : await BufferAsync(request.File, ct);
            var total = input.Length;
            var magic = new byte[2];
            var read = await input.ReadAtLeastAsync(magic, 2, throwOnEndOfStream: false, ct);
            input.Position = 0;
            Stream text = read == 2 && magic[0] == 0x1f && magic[1] == 0x8b ? new GZipStream(input, CompressionMode.Decompress, leaveOpen: true) : input;
            using var reader = new StreamReader(text, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16, leaveOpen: true);
            var csv = new CsvReader(reader);
            if (!csv.TryRead(out var header)) return Outcome<Response>.Invalid("file", "is empty: the first line must name the columns.");
            var columns = MapColumns(header, request.Map, out var mapError);
            if (mapError is not null) return Outcome<Response>.Invalid("map", mapError);

            // 1. Read and check every line; group the good ones by invoice.
            var report = request.RejectedReport;
            report?.WriteLine(CsvReader.Format(["line", "reason", .. header]));
            long lines = 0, rejected = 0, unmatched = 0, partial = 0;
            void Reject(Line line, string reason)
            {
                rejected++;
                report?.WriteLine(CsvReader.Format([line.FileLine.ToString(CultureInfo.InvariantCulture), reason, .. line.Fields]));
            }
            void Unmatched(Line line, string reason) =>
                report?.WriteLine(CsvReader.Format([line.FileLine.ToString(CultureInfo.InvariantCulture), reason, .. line.Fields]));

            var invoices = new Dictionary<string, Invoice>(StringComparer.Ordinal);
            var dates = new Dictionary<string, DateTimeOffset?>(StringComparer.Ordinal);
            var numbers = new HashSet<string>(StringComparer.Ordinal);
            while (csv.TryRead(out var fields))
            {
                var line = new Line { FileLine = csv.Line, Fields = fields };
                lines++;
                Parse(line, columns, zone, dates);
                if (line.Invoice.Length > 0) numbers.Add(line.Invoice);
                if (line.Error is null && invoices.TryGetValue(line.Invoice, out var known))
                {
                    var first = known.Lines[0];
                    if (first.Customer != line.Customer) line.Error = $"customer: '{line.Customer}' differs from the invoice's first line ('{first.Customer}')";
                    else if (first.Country != line.Country) line.Error = $"country: '{line.Country}' differs from the invoice's first line ('{first.Country}')";
                }
                if (line.Error is not null) { Reject(line, line.Error); continue; }
                if (!invoices.TryGetValue(line.Invoice, out var invoice)) invoices[line.Invoice] = invoice = new Invoice(line.Invoice);
                invoice.Lines.Add(line);
                if ((lines & 0x3FFF) == 0) request.Progress?.Report(new Progress(Stage.Reading, input.Position, total));
            }
            request.Progress?.Report(new Progress(Stage.Reading, total, total));
            // Invoices none of whose lines was good count too (the file's published figure counts them).
            var invoiceCount = numbers.Count;

            // 2. Stores (Country), the catalog (StockCode): checked once, created when asked.
            var now = clock.GetUtcNow();
            var stores = await db.Stores.AsNoTracking().ToDictionaryAsync(s => s.Code, s => s.Id, StringComparer.OrdinalIgnoreCase, ct);
            var products = await db.Products.AsNoTracking().ToDictionaryAsync(p => p.Sku, p => p.CategoryCode, StringComparer.Ordinal, ct);
            var hasGeneral = await db.Categories.AnyAsync(c => c.Code == Category.General, ct);
            long storesCreated = 0, productsCreated = 0;
            if (request.CreateMissing)
            {
                var missing = invoices.Values.Select(i => i.Lines[0].Country).Distinct(StringComparer.OrdinalIgnoreCase).Where(c => !stores.ContainsKey(c)).ToList();
                if (missing.Count > 0)
                {
                    var region = await db.Regions.OrderBy(r => r.Code).FirstOrDefaultAsync(ct);
                    if (region is null) db.Regions.Add(region = Region.Create(tenantId, "import", "Imported stores", now));
                    foreach (var code in missing)
                    {
                        var store = Store.Create(tenantId, region.Id, code, code, null, null, null, now);
                        db.Stores.Add(store);
                        stores[code] = store.Id;
                    }
                    storesCreated = missing.Count;
                }
                if (!hasGeneral) db.Categories.Add(Category.Create(tenantId, Category.General, "General"));
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
            }
            foreach (var invoice in invoices.Values)
            {
                if (!stores.ContainsKey(invoice.Lines[0].Country))
                {
                    foreach (var line in invoice.Lines) Reject(line, $"country: '{line.Country}' is not a store code of this brand (--create-missing creates it)");
                    invoice.Lines.Clear();
                    continue;
                }
                if (request.CreateMissing) continue;
                foreach (var line in invoice.Lines.Where(l => !l.Cancellation && !products.ContainsKey(l.Sku)).ToList())
                {
                    Reject(line, $"sku: '{line.Sku}' is not a product of this brand (--create-missing creates it)");
                    invoice.Lines.Remove(line);
                }
            }
            var ordered = invoices.Values.Where(i => i.Lines.Count > 0).OrderBy(i => i.At).ThenBy(i => i.FirstLine).ToList();

            // 3. Write chunk by chunk, in date order.
            long created = 0, present = 0, cancellations = 0, refunded = 0, refundsPresent = 0, customersCreated = 0, refundedFen = 0, reversedFen = 0, done = 0;
            var settings = await db.CommissionSettings.AsNoTracking().SingleOrDefaultAsync(ct) ?? CommissionSettings.Default(tenantId);
            await using var tuning = await SqliteTuning.EnterAsync(db, ct);

            // Every customer and every new product before the first chunk, in date order (the same pool store and the same
            // product name as chunk by chunk would give): the chunks' purchases then only add orders.
            customersCreated = await EnsureCustomersAsync(ordered, stores, now, ct);
            if (request.CreateMissing) productsCreated = await CreateProductsAsync(ordered, products, ct);

            // Chunk after chunk, in date order; a chunk's purchases as two halves at once, on two units of work, when that
            // cannot change what is decided (see SecondWorkerAsync).
            await using var second = request.Concurrent && Environment.ProcessorCount > 1 ? await SecondWorkerAsync(tenantId, ct) : null;
            // One IngestOrders batch of about BatchSize invoices per unit of work: two halves cost no more reads and commits.
            var chunkSize = Math.Max(1, request.BatchSize) * (second is null ? 1 : 2);
            for (var start = 0; start < ordered.Count;)
            {
                var end = Math.Min(start + chunkSize, ordered.Count);
                while (end < ordered.Count && ordered[end].At == ordered[end - 1].At) end++;
                var chunk = ordered.GetRange(start, end - start);
                start = end;

                // Purchases: one IngestOrders batch (per half): one read of the state, one SaveChanges.
                var purchases = chunk.Where(i => !i.Number.StartsWith('C')).ToList();
                if (purchases.Count > 0)
                {
                    var results = await IngestAsync(purchases, purchases.Select(i => ToOrder(i, channel, products, stores)).ToList(), second, ct);
                    for (var i = 0; i < results.Count; i++)
                    {
                        switch (results[i].Status)
                        {
                            case IngestOrders.ItemStatus.Created: created++; break;
                            case IngestOrders.ItemStatus.Replayed: present++; break;
                            default:
                                var reason = results[i].Errors is { } errors
                                    ? string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))
                                    : results[i].Detail ?? results[i].Status.ToString();
                                foreach (var line in purchases[i].Lines) Reject(line, $"invoice {purchases[i].Number} refused ({results[i].Status}): {reason}");
                                break;
                        }
                    }
                }

                // Cancellations: refunds of the customers' earlier purchases, in date order.
                var cancelled = chunk.Where(i => i.Number.StartsWith('C')).SelectMany(i => i.Lines.Select((l, n) => (Invoice: i, Line: l, No: n + 1))).ToList();
                if (cancelled.Count > 0)
                {
                    cancellations += cancelled.Count;
                    var outcome = await RefundAsync(cancelled, channel, settings, now, ct);
                    refunded += outcome.Refunded;
                    refundsPresent += outcome.Present;
                    refundedFen += outcome.RefundedFen;
                    reversedFen += outcome.ReversedFen;
                    foreach (var (line, reason, isPartial) in outcome.Unmatched)
                    {
                        if (isPartial) partial++; else unmatched++;
                        Unmatched(line, reason);
                    }
                }
                done += chunk.Count;
                request.Progress?.Report(new Progress(Stage.Writing, done, ordered.Count));
            }
            if (report is not null) await report.FlushAsync(ct);

            var actor = actors.Current!;
            db.AuditEntries.Add(AuditEntry.Create(tenantId, clock.GetUtcNow(), actor.Kind.ToString(), actor.AuditId, actor.Name, "Order.Imported", nameof(Order), "import", null,
                string.Create(CultureInfo.InvariantCulture, $"{{\"lines\":{lines},\"ordersCreated\":{created},\"ordersPresent\":{present},\"refunded\":{refunded},\"unmatched\":{unmatched + partial},\"rejected\":{rejected}}}")));
            await db.SaveChangesAsync(ct);
            return new Response(lines, invoiceCount, created, present, cancellations, refunded, partial, unmatched, refundsPresent, rejected, customersCreated,
                storesCreated, productsCreated, refundedFen, reversedFen, started.Elapsed);
        }

        private static async Task<Stream> BufferAsync(Stream source, CancellationToken ct)
        {
            var buffer = new MemoryStream();
            await source.CopyToAsync(buffer, ct);
            buffer.Position = 0;
            return buffer;
        }

        /// <summary>The purchases of a chunk through <see cref="IngestOrders"/>; with a <paramref name="second"/> worker, in two
        /// halves at once (this unit of work and the second): all orders of a customer go to the same half, and each half
        /// gets about the same number of lines. The results come back in the order of <paramref name="purchases"/>.</summary>
        private async Task<IReadOnlyList<IngestOrders.ItemResult>> IngestAsync(List<Invoice> purchases, List<IngestOrders.OrderRequest> orders, Worker? second,
            CancellationToken ct)
        {
            var options = new IngestOrders.Options(MaxLines: 10_000);
            if (second is null)
            {
                var results = await ingest.HandleAsync(orders, options, ct);
                db.ChangeTracker.Clear();
                return results;
            }
            var halves = new[] { new List<int>(), new List<int>() };
            var lines = new long[2];
            var halfOf = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < purchases.Count; i++)
            {
                var smaller = lines[0] <= lines[1] ? 0 : 1;
                var half = purchases[i].Lines[0].Customer is { } customer ? halfOf.TryAdd(customer, smaller) ? smaller : halfOf[customer] : smaller;
                halves[half].Add(i);
                lines[half] += purchases[i].Lines.Count;
            }
            // Task.Run: the SQLite provider's async calls complete synchronously, so awaiting both would run them one after the other.
            async Task<IReadOnlyList<IngestOrders.ItemResult>> Run(IngestOrders.Handler handler, GuidelinkDb unit, List<int> half)
            {
                if (half.Count == 0) return [];
                var results = await handler.HandleAsync(half.Select(i => orders[i]).ToList(), options, ct);
                unit.ChangeTracker.Clear();
                return results;
            }
            var done = await Task.WhenAll(Task.Run(() => Run(ingest, db, halves[0]), ct), Task.Run(() => Run(second.Ingest, second.Db, halves[1]), ct));
            var merged = new IngestOrders.ItemResult[orders.Count];
            for (var h = 0; h < 2; h++)
                for (var k = 0; k < done[h].Count; k++) merged[halves[h][k]] = done[h][k];
            return merged;
        }

        /// <summary>A second unit of work (its own scope, database connection and <see cref="IngestOrders.Handler"/>, acting for
        /// the same brand and actor) for the other half of each chunk's purchases. The halves cannot change what is decided:
        /// they share no customer (each customer's orders are still decided in date order against all their earlier ones,
        /// the previous chunks being written), no product is created in them (all were created before), and no customer of
        /// the import has or had an owner (checked here: otherwise none), so no order earns commission and no two halves
        /// append to one ledger chain. Refunds stay on this unit of work, after both halves.</summary>
        private async Task<Worker?> SecondWorkerAsync(TenantId tenant, CancellationToken ct)
        {
            var owned = await db.AttributionDecisions.AsNoTracking()
                .AnyAsync(d => db.Customers.Any(c => c.Id == d.CustomerId && c.ExternalUserId!.StartsWith(CustomerKeyPrefix)), ct);
            if (owned) return null;
            var scope = scopes.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<TenantContext>().Set(tenant);
            scope.ServiceProvider.GetRequiredService<ActorContext>().Current = actors.Current;
            var unit = scope.ServiceProvider.GetRequiredService<GuidelinkDb>();
            return new Worker(scope, unit, scope.ServiceProvider.GetRequiredService<IngestOrders.Handler>(), await SqliteTuning.EnterAsync(unit, ct));
        }

        private sealed class Worker(AsyncServiceScope scope, GuidelinkDb db, IngestOrders.Handler ingest, SqliteTuning? tuning) : IAsyncDisposable
        {
            public GuidelinkDb Db { get; } = db;
            public IngestOrders.Handler Ingest { get; } = ingest;

            public async ValueTask DisposeAsync()
            {
                if (tuning is not null) await tuning.DisposeAsync();
                await scope.DisposeAsync();
            }
        }

        /// <summary>The products the purchases name that the brand does not have, created as <see cref="IngestOrders"/> would
        /// create them: category General, named by the first line (in date order) that has the SKU. A SKU seen only on
        /// invoices dated in the future is counted but not created (<see cref="IngestOrders"/> refuses those orders whole).</summary>
        private async Task<long> CreateProductsAsync(List<Invoice> ordered, Dictionary<string, string> products, CancellationToken ct)
        {
            var tenant = db.TenantContext.Required;
            var latest = clock.GetUtcNow() + TimeSpan.FromMinutes(5);
            var created = new HashSet<string>(StringComparer.Ordinal);
            var unknown = new HashSet<string>(StringComparer.Ordinal);
            foreach (var invoice in ordered)
            {
                if (invoice.Number.StartsWith('C')) continue;
                foreach (var line in invoice.Lines)
                {
                    if (!products.ContainsKey(line.Sku)) unknown.Add(line.Sku);
                    if (!unknown.Contains(line.Sku) || invoice.At > latest || !created.Add(line.Sku)) continue;
                    var name = string.IsNullOrWhiteSpace(line.Description) ? line.Sku : line.Description.Trim();
                    db.Products.Add(Product.Create(tenant, line.Sku, name, Category.General));
                }
            }
            foreach (var sku in unknown) products[sku] = Category.General;
            if (created.Count > 0)
            {
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
            }
            return unknown.Count;
        }

        /// <summary>Creates the unknown customers (by external id) of these invoices in the pool of the store of their first invoice.</summary>
        private async Task<long> EnsureCustomersAsync(List<Invoice> chunk, Dictionary<string, StoreId> stores, DateTimeOffset now, CancellationToken ct)
        {
            var firstStore = new Dictionary<string, StoreId>(StringComparer.Ordinal);
            foreach (var invoice in chunk)
                if (invoice.Lines[0].Customer is { } key) firstStore.TryAdd(CustomerKeyPrefix + key, stores[invoice.Lines[0].Country]);
            if (firstStore.Count == 0) return 0;
            var known = new HashSet<string>(StringComparer.Ordinal);
            // On the external-id index (CustomerLookups); orders by customer below test CustomerId IS NOT NULL first, likewise.
            foreach (var keys in firstStore.Keys.Chunk(500))
                known.UnionWith(await db.Customers.AsNoTracking().WithExternalUserIdIn(keys).Select(c => c.ExternalUserId!).ToListAsync(ct));
            var tenant = db.TenantContext.Required;
            long added = 0;
            foreach (var (key, store) in firstStore)
            {
                if (known.Contains(key)) continue;
                var customer = Customer.Create(tenant, store, now);
                customer.SetWeChat(null, key);
                db.Customers.Add(customer);
                added++;
            }
            if (added > 0)
            {
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
            }
            return added;
        }

        /// <summary>A purchase line a cancellation may refund, with its running refunded amount while a chunk is planned.</summary>
        private sealed class Candidate(Guid orderId, DateTimeOffset placedAt, string externalNo, int lineNo, int quantity, long paidFen)
        {
            public Guid OrderId { get; } = orderId;
            public DateTimeOffset PlacedAt { get; } = placedAt;
            public string ExternalNo { get; } = externalNo;
            public int LineNo { get; } = lineNo;
            public long RefundedFen { get; set; }

            /// <summary>Units not yet refunded, from the money (a refund is units × the line's paid amount per unit).</summary>
            public int UnitsLeft => paidFen <= 0 ? 0 : quantity - (int)((RefundedFen * quantity + paidFen / 2) / paidFen);

            /// <summary>What <paramref name="units"/> paid: their share of the line's paid amount, rounded half up; all that
            /// is left for the last units, so a line is never over- or under-refunded.</summary>
            public long FenFor(int units) => units >= UnitsLeft ? paidFen - RefundedFen : (paidFen * units * 2 + quantity) / (2L * quantity);
        }

        private sealed record RefundOutcome(long Refunded, long Present, long RefundedFen, long ReversedFen, List<(Line Line, string Reason, bool Partial)> Unmatched);

        /// <summary>Each cancellation line refunds the customer's most recent purchase of the same SKU placed at or before it
        /// with quantity left, then the next most recent for what is left; one refund event per (order, cancellation line),
        /// keyed by the cancellation invoice and line, through <see cref="RecordOrderEvent.RefundAsync"/>.</summary>
        private async Task<RefundOutcome> RefundAsync(List<(Invoice Invoice, Line Line, int No)> cancelled, OrderChannel channel, CommissionSettings settings,
            DateTimeOffset now, CancellationToken ct)
        {
            var unmatchedLines = new List<(Line, string, bool)>();
            var keys = cancelled.Select(c => RefundKey(c.Invoice.Number, c.No)).ToList();
            var done = new HashSet<string>(StringComparer.Ordinal);
            foreach (var chunk in keys.Chunk(500))
                done.UnionWith(await db.OrderEvents.AsNoTracking().Where(e => e.Kind == OrderEventKind.Refunded && chunk.Contains(e.Key)).Select(e => e.Key).ToListAsync(ct));

            var todo = cancelled.Where(c => !done.Contains(RefundKey(c.Invoice.Number, c.No))).ToList();
            long present = cancelled.Count - todo.Count;
            foreach (var c in todo.Where(c => c.Line.Customer is null))
                unmatchedLines.Add((c.Line, "unmatched cancellation: no CustomerID, so no purchase of the customer to refund", false));
            todo.RemoveAll(c => c.Line.Customer is null);
            if (todo.Count == 0) return new RefundOutcome(0, present, 0, 0, unmatchedLines);

            // Candidate purchases: orders of these customers with a line of these SKUs, placed no later than the last cancellation.
            var customerKeys = todo.Select(c => CustomerKeyPrefix + c.Line.Customer).Distinct().ToList();
            var customers = new Dictionary<string, CustomerId>(StringComparer.Ordinal);
            foreach (var chunk in customerKeys.Chunk(500))
                foreach (var x in await db.Customers.AsNoTracking().WithExternalUserIdIn(chunk).Select(c => new { c.Id, c.ExternalUserId }).ToListAsync(ct))
                    customers[x.ExternalUserId!] = x.Id;
            var ids = customers.Values.ToList();
            var skus = todo.Select(c => c.Line.Sku).Distinct().ToList();
            var latest = todo.Max(c => c.Line.At);
            var wantedPairs = todo.Select(c => (CustomerKeyPrefix + c.Line.Customer, c.Line.Sku)).ToHashSet();
            var byCustomerSku = new Dictionary<(CustomerId, string), List<Candidate>>();
            foreach (var chunk in ids.Chunk(500))
            {
                // A projection, not tracked orders: a big customer's history is read as the few columns matching needs.
                var rows = await (from o in db.Orders.AsNoTracking()
                                  where o.CustomerId != null && chunk.Contains(o.CustomerId.Value) && o.Channel == channel && o.PlacedAt <= latest
                                  from l in o.Lines
                                  where skus.Contains(l.Sku) && l.PaidFen > l.RefundedFen
                                  select new { o.Id, o.CustomerId, o.PlacedAt, o.ExternalNo, l.LineNo, l.Sku, l.Quantity, l.PaidFen, l.RefundedFen }).ToListAsync(ct);
                foreach (var r in rows)
                {
                    var key = (r.CustomerId!.Value, r.Sku);
                    if (!byCustomerSku.TryGetValue(key, out var list)) byCustomerSku[key] = list = [];
                    list.Add(new Candidate(r.Id, r.PlacedAt, r.ExternalNo, r.LineNo, r.Quantity, r.PaidFen) { RefundedFen = r.RefundedFen });
                }
            }
            foreach (var list in byCustomerSku.Values)
                list.Sort((a, b) => b.PlacedAt != a.PlacedAt ? b.PlacedAt.CompareTo(a.PlacedAt) : b.ExternalNo != a.ExternalNo ? string.CompareOrdinal(b.ExternalNo, a.ExternalNo) : a.LineNo.CompareTo(b.LineNo));

            // Plan every cancellation in date order against the candidates' running state, then load only the orders it touches.
            var plans = new List<(Invoice Invoice, Line Line, int No, List<(Candidate Candidate, long Fen)> Parts, int Left, int Wanted)>();
            foreach (var (invoice, line, no) in todo.OrderBy(c => c.Line.At).ThenBy(c => c.Line.FileLine))
            {
                var wanted = -line.Quantity;
                var left = wanted;
                var parts = new List<(Candidate, long)>();
                if (customers.TryGetValue(CustomerKeyPrefix + line.Customer, out var customerId) && byCustomerSku.TryGetValue((customerId, line.Sku), out var history))
                    foreach (var c in history)
                    {
                        if (left == 0) break;
                        if (c.PlacedAt > line.At) continue;
                        var units = Math.Min(left, c.UnitsLeft);
                        if (units <= 0) continue;
                        var fen = c.FenFor(units);
                        c.RefundedFen += fen;
                        parts.Add((c, fen));
                        left -= units;
                    }
                plans.Add((invoice, line, no, parts, left, wanted));
            }
            var touched = plans.SelectMany(p => p.Parts).Select(p => p.Candidate.OrderId).Distinct().ToList();
            var orders = new Dictionary<Guid, Order>();
            var commission = new List<CommissionLine>();
            foreach (var chunk in touched.Chunk(500))
            {
                foreach (var o in await db.Orders.Include(o => o.Lines).Where(o => chunk.Contains(o.Id)).ToListAsync(ct)) orders[o.Id] = o;
                commission.AddRange(await db.CommissionLines.Where(c => chunk.Contains(c.OrderId)).ToListAsync(ct));
            }
            var commissionByOrder = commission.GroupBy(c => c.OrderId).ToDictionary(g => g.Key, g => g.ToList());

            var ledger = new LedgerBook(db);
            long refundedCount = 0, refundedFen = 0, reversedFen = 0;
            foreach (var (invoice, line, no, planned, left, wanted) in plans)
            {
                var key = RefundKey(invoice.Number, no);
                foreach (var group in planned.GroupBy(p => p.Candidate.OrderId))
                {
                    var order = orders[group.Key];
                    var parts = group.Select(p => (Line: order.Lines.Single(l => l.LineNo == p.Candidate.LineNo), p.Fen)).ToList();
                    var eventRequest = new RecordOrderEvent.Request(order.Id, nameof(OrderEventKind.Refunded), key, line.At,
                        $"cancellation {invoice.Number} line {no}", parts.Select(p => new RecordOrderEvent.RefundLine(p.Line.LineNo, p.Fen / 100m)).ToList());
                    var (fen, reversed) = await RecordOrderEvent.RefundAsync(db, ledger, order, commissionByOrder.GetValueOrDefault(order.Id) ?? [], parts, key, line.At, now, settings, ct);
                    db.OrderEvents.Add(OrderEvent.Create(order.TenantId, order.Id, OrderEventKind.Refunded, key, RecordOrderEvent.HashOf(eventRequest), line.At, now,
                        eventRequest.Note, fen, string.Join(';', parts.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Line.LineNo}:{p.Fen}")))));
                    refundedFen += fen;
                    reversedFen += reversed;
                    // "Cap at balance" reads balances from the database: what this chunk posted must be there first.
                    if (reversed != 0 && settings.NegativeBalance == NegativeBalancePolicy.CapAtBalance) await db.SaveChangesAsync(ct);
                }
                if (left == wanted)
                    unmatchedLines.Add((line, $"unmatched cancellation: no earlier purchase of {line.Sku} by customer {line.Customer} with quantity left", false));
                else
                {
                    refundedCount++;
                    if (left > 0)
                        unmatchedLines.Add((line, string.Create(CultureInfo.InvariantCulture,
                            $"partially matched cancellation: {wanted - left} of {wanted} units refunded ({key}); {left} found no earlier purchase with quantity left"), true));
                }
            }
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
            return new RefundOutcome(refundedCount, present, refundedFen, reversedFen, unmatchedLines);
        }

        private static string RefundKey(string invoice, int line) => string.Create(CultureInfo.InvariantCulture, $"{invoice}/{line}");

        private static IngestOrders.OrderRequest ToOrder(Invoice invoice, OrderChannel channel, Dictionary<string, string> products, Dictionary<string, StoreId> stores)
        {
            var first = invoice.Lines[0];
            var customer = first.Customer is { } id ? new IngestOrders.CustomerRequest(null, null, null, null, CustomerKeyPrefix + id) : null;
            var lines = invoice.Lines.Select(l => new IngestOrders.LineRequest(l.Sku, l.Description, products[l.Sku], l.Quantity, l.Price, null)).ToList();
            var paid = invoice.Lines.Sum(l => l.Quantity * l.Price);
            return new IngestOrders.OrderRequest(channel.ToString(), invoice.Number, stores[first.Country].Value, null, customer, null, lines, null, 0m, 0m, paid,
                invoice.At, invoice.At, null);
        }
    }

    /// <summary>Checks one line: fields present and well-formed, quantity above 0 for a sale and below 0 for a cancellation,
    /// a price of at most two decimals and not negative, a date that exists in the brand's zone.</summary>
    private static void Parse(Line line, Dictionary<Field, int> columns, TimeZoneInfo zone, Dictionary<string, DateTimeOffset?> dates)
    {
        string Get(Field f) => columns.TryGetValue(f, out var i) && i < line.Fields.Length ? line.Fields[i].Trim() : "";
        var errors = new List<string>();
        line.Invoice = Get(Field.Invoice);
        if (line.Invoice.Length == 0) errors.Add("invoice: is required");
        else if (line.Invoice.Length > 64) errors.Add("invoice: must be at most 64 characters");
        line.Sku = Get(Field.Sku);
        if (line.Sku.Length == 0) errors.Add("sku: is required");
        else if (line.Sku.Length > 40) errors.Add("sku: must be at most 40 characters");
        var description = Get(Field.Description);
        line.Description = description.Length > 200 ? description[..200] : description;

        var quantity = Get(Field.Quantity);
        if (!int.TryParse(quantity, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out line.Quantity)) errors.Add($"quantity: '{quantity}' is not a whole number");
        else if (line.Cancellation && line.Quantity >= 0) errors.Add($"quantity: {line.Quantity} on a cancellation (C…) must be below 0");
        else if (!line.Cancellation && line.Quantity <= 0) errors.Add($"quantity: {line.Quantity} must be 1 or more (a return needs a C… invoice)");

        var price = Get(Field.Price);
        if (!decimal.TryParse(price, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out line.Price)) errors.Add($"price: '{price}' is not a number");
        else if (line.Price < 0) errors.Add($"price: {price} cannot be negative");
        else if (!OrderMoney.TryToFen(line.Price, out _)) errors.Add($"price: {price} has more than 2 decimals");

        var date = Get(Field.Date);
        if (!dates.TryGetValue(date, out var at))
        {
            at = null;
            if (DateTime.TryParseExact(date, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            {
                try
                {
                    at = new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), zone), TimeSpan.Zero);
                }
                catch (ArgumentException)
                {
                    // A local time skipped by a daylight-saving change does not exist in the brand's zone.
                }
            }
            dates[date] = at;
        }
        if (at is { } instant) line.At = instant;
        else errors.Add($"date: '{date}' is not a date and time in the brand's zone (yyyy-MM-dd HH:mm:ss)");

        var customer = Get(Field.Customer);
        // Exports through spreadsheets write the number as "17850.0".
        if (customer.EndsWith(".0", StringComparison.Ordinal)) customer = customer[..^2];
        if (customer.Length > 64 - CustomerKeyPrefix.Length) errors.Add("customer: must be at most 57 characters");
        line.Customer = customer.Length == 0 ? null : customer;
        line.Country = Get(Field.Country);
        if (line.Country.Length == 0) errors.Add("country: is required (it names the store)");
        else if (line.Country.Length > 40) errors.Add("country: must be at most 40 characters (it is the store code)");
        if (errors.Count > 0) line.Error = string.Join("; ", errors);
    }

    private static Dictionary<Field, int> MapColumns(string[] header, string? map, out string? error)
    {
        var columns = CsvColumns.Map(header, map, Aliases, out error);
        if (error is not null) return columns;
        var missing = new[] { Field.Invoice, Field.Sku, Field.Quantity, Field.Date, Field.Price, Field.Country }.Where(f => !columns.ContainsKey(f)).ToList();
        if (missing.Count > 0)
            error = $"no column holds {string.Join(", ", missing.Select(f => f.ToString().ToLowerInvariant()))}: map them (--map column=field). Header: {string.Join(", ", header)}.";
        return columns;
    }

    /// <summary>For the import only, on SQLite (restored at the end): WAL with synchronous=NORMAL is durable at checkpoints
    /// and cannot corrupt; a bigger page cache keeps the index inserts in memory. The connection is held open meanwhile so
    /// the pragmas apply to every write of the import.</summary>
    private sealed class SqliteTuning : IAsyncDisposable
    {
        private readonly GuidelinkDb _db;
        private readonly (long Synchronous, long CacheSize) _restore;

        private SqliteTuning(GuidelinkDb db, (long, long) restore)
        {
            _db = db;
            _restore = restore;
        }

        public static async Task<SqliteTuning?> EnterAsync(GuidelinkDb db, CancellationToken ct)
        {
            if (!db.Database.IsSqlite()) return null;
            await db.Database.OpenConnectionAsync(ct);
            var restore = (await ScalarAsync(db, "PRAGMA synchronous", ct), await ScalarAsync(db, "PRAGMA cache_size", ct));
            await ScalarAsync(db, "PRAGMA synchronous=NORMAL", ct);
            await ScalarAsync(db, "PRAGMA cache_size=-262144", ct);
            return new SqliteTuning(db, restore);
        }

        private static async Task<long> ScalarAsync(GuidelinkDb db, string sql, CancellationToken ct)
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = sql;
            return await command.ExecuteScalarAsync(ct) is { } value and not DBNull ? Convert.ToInt64(value, CultureInfo.InvariantCulture) : 0;
        }

        public async ValueTask DisposeAsync()
        {
            await ScalarAsync(_db, FormattableString.Invariant($"PRAGMA synchronous={_restore.Synchronous}"), CancellationToken.None);
            await ScalarAsync(_db, FormattableString.Invariant($"PRAGMA cache_size={_restore.CacheSize}"), CancellationToken.None);
            await _db.Database.CloseConnectionAsync();
        }
    }
}
