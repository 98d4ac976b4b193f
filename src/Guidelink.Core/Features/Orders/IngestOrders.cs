using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Features.Catalog;
using Guidelink.Core.Features.Commission;
using Guidelink.Core.Features.Customers;
using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Features.Organization;
using Guidelink.Core.Features.Partners;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Orders;

/// <summary>Takes paid orders — one from <c>POST /api/orders</c>, up to 1,000 from the batch endpoint or the import
/// — and for each: finds or creates the customer, records a share code's touch, credits the owner as of placedAt,
/// computes the commission by the rules in force then and posts it to the ledger as Pending.
/// <para>Idempotent by (channel, external number): the same key and body returns the first answer, the same key with
/// another body is a conflict. Bad items are rejected alone, naming the field. The valid items are written in one
/// transaction; if that fails (another writer got there first), the batch is replayed item by item inside one
/// transaction with a savepoint per item, so a failing item is rolled back alone and reported.</para></summary>
public static class IngestOrders
{
    public const int MaxBatch = 1000;

    public sealed record LineRequest(string? Sku, string? Name, string? Category, int? Quantity, decimal? UnitPrice, decimal? Discount);

    /// <summary>Who bought: by id, or found (and else created) by phone, union id or external user id — the customer's id in
    /// another system (WeChat Work external user id, or an import's own customer number). ExternalUserId is left out of the
    /// request hash when absent, so orders recorded before it existed still replay.</summary>
    public sealed record CustomerRequest(Guid? Id, string? Phone, string? UnionId, string? Name,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ExternalUserId = null);

    public sealed record OrderRequest(
        string? Channel, string? ExternalNo, Guid? StoreId, string? StoreCode, CustomerRequest? Customer, string? ReferralCode,
        IReadOnlyList<LineRequest>? Lines, decimal? OrderDiscount, decimal? Shipping, decimal? Tax, decimal? Paid,
        DateTimeOffset? PlacedAt, DateTimeOffset? PaidAt, bool? Promotion);

    /// <summary>How the import differs from the API: it may create unknown stores (by code) and products, and it may lift the
    /// API's bound of 500 lines per order (MaxLines; a system's own invoices can be longer).</summary>
    public sealed record Options(bool CreateMissing = false, string? StoreRegionCode = null, int MaxLines = 500);

    public enum ItemStatus { Created, Replayed, Invalid, NotFound, Conflict }

    public sealed record ItemResult(int Index, ItemStatus Status, Guid? OrderId, string? Detail, IReadOnlyDictionary<string, string[]>? Errors)
    {
        public bool Ok => Status is ItemStatus.Created or ItemStatus.Replayed;
    }

    private const int MaxAttempts = 5;
    private const int MaxItemAttempts = 10;
    private static readonly JsonSerializerOptions HashJson = new(JsonSerializerDefaults.Web);
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_hashBuffer;
    [ThreadStatic] private static Utf8JsonWriter? t_hashWriter;

    public sealed class Handler(GuidelinkDb db, ActorContext actors, PiiProtector pii, TimeProvider clock)
    {
        /// <summary>Batches this handler could not write together and replayed item by item — for tests: the replay gives
        /// the same answers, so only this tells that the batch path itself worked.</summary>
        internal int BatchesReplayed { get; private set; }

        public async Task<IReadOnlyList<ItemResult>> HandleAsync(IReadOnlyList<OrderRequest> requests, Options? options, CancellationToken ct)
        {
            options ??= new Options();
            var results = new ItemResult?[requests.Count];
            var parsed = new List<Parsed>();
            for (var i = 0; i < requests.Count; i++)
            {
                var outcome = Parse(requests[i], i, options.MaxLines);
                if (outcome.Errors is { } errors) results[i] = new ItemResult(i, ItemStatus.Invalid, null, "One or more fields are invalid.", errors);
                else parsed.Add(outcome.Order!);
            }

            if (parsed.Count > 0)
            {
                // Fast path: every item decided against one read of the state and written in one transaction. The rows the
                // batch appends are kept in plain lists, not in EF's change tracker (tracking ~15 new entities per order and
                // detecting their changes cost more than writing them); the batch's later orders see the earlier ones through
                // the Context.
                var rows = new OrderBulkWrite.NewRows();
                if (parsed.Count >= 2 * OrderBulkWrite.PartSize && db.Database.CurrentTransaction is null)
                {
                    await DecideAndWriteInPartsAsync(parsed, rows, options, results, ct);
                    return results.Select(r => r!).ToList();
                }
                var ledger = new LedgerBook(db, rows.Postings, rows.Entries);
                var context = await Context.LoadAsync(db, parsed, ct);
                var outcomes = new List<ItemResult>();
                foreach (var p in parsed) outcomes.Add(await ProcessAsync(p, context, ledger, rows, options, ct));
                try
                {
                    if (rows.Count >= OrderBulkWrite.Threshold) await OrderBulkWrite.SaveAsync(db, rows, ct);
                    else
                    {
                        rows.AddTo(db);
                        await db.SaveChangesAsync(ct);
                    }
                    foreach (var r in outcomes) results[r.Index] = r;
                }
                catch (Exception ex) when (IsWriteFailure(ex))
                {
                    await ReplayAsync(parsed, options, results, ct);
                }
            }
            return results.Select(r => r!).ToList();
        }

        /// <summary>The batch's write failed and nothing of it was committed: someone else wrote one of these orders, customers
        /// or chain heads meanwhile (on PostgreSQL a deadlock between two such writers comes wrapped as a "transient failure").</summary>
        private static bool IsWriteFailure(Exception ex) =>
            ex is DbUpdateException or System.Data.Common.DbException || ex.InnerException is DbUpdateException;

        /// <summary>After <see cref="IsWriteFailure"/>: every item decided again and written alone.</summary>
        private async Task ReplayAsync(List<Parsed> parsed, Options options, ItemResult?[] results, CancellationToken ct)
        {
            db.ChangeTracker.Clear();
            BatchesReplayed++;
            foreach (var r in await OneByOneAsync(parsed, options, ct)) results[r.Index] = r;
        }

        /// <summary>The same decisions and rows as the one-write path, but written in parts while the next part is decided
        /// (<see cref="OrderBulkWrite.Pipeline"/>); a failed write is handled as there: nothing committed, item by item.</summary>
        private async Task DecideAndWriteInPartsAsync(List<Parsed> parsed, OrderBulkWrite.NewRows rows, Options options, ItemResult?[] results,
            CancellationToken ct)
        {
            var pipeline = new OrderBulkWrite.Pipeline(db);
            var outcomes = new List<ItemResult>(parsed.Count);
            var failed = false;
            try
            {
                var ledger = new LedgerBook(db, rows.Postings, rows.Entries, pipeline.BeforeReadAsync);
                var context = await Context.LoadAsync(db, parsed, ct);
                context.BeforeRead = pipeline.BeforeReadAsync;
                for (var start = 0; start < parsed.Count; start += OrderBulkWrite.PartSize)
                {
                    for (var i = start; i < Math.Min(parsed.Count, start + OrderBulkWrite.PartSize); i++)
                        outcomes.Add(await ProcessAsync(parsed[i], context, ledger, rows, options, ct));
                    await pipeline.WriteAsync(rows.Take(), ct);
                }
                await pipeline.CommitAsync(ct);
            }
            catch (Exception ex) when (IsWriteFailure(ex))
            {
                failed = true;
            }
            finally
            {
                await pipeline.DisposeAsync(); // rolls back unless committed; the replay needs the connection free
            }
            if (failed) await ReplayAsync(parsed, options, results, ct);
            else foreach (var r in outcomes) results[r.Index] = r;
        }

        private async Task<List<ItemResult>> OneByOneAsync(List<Parsed> parsed, Options options, CancellationToken ct)
        {
            for (var attempt = 1; ; attempt++)
            {
                var results = new List<ItemResult>();
                try
                {
                    await using var tx = await db.Database.BeginTransactionAsync(ct);
                    foreach (var p in parsed)
                    {
                        ItemResult result;
                        for (var itemAttempt = 1; ; itemAttempt++)
                        {
                            await tx.CreateSavepointAsync("item", ct);
                            var rows = new OrderBulkWrite.NewRows();
                            var ledger = new LedgerBook(db, rows.Postings, rows.Entries);
                            var context = await Context.LoadAsync(db, [p], ct);
                            result = await ProcessAsync(p, context, ledger, rows, options, ct);
                            try
                            {
                                rows.AddTo(db);
                                await db.SaveChangesAsync(ct);
                                await tx.ReleaseSavepointAsync("item", ct);
                                break;
                            }
                            catch (Exception e) when (Unwrap(e) is { } ex && !IsBusy(ex))
                            {
                                await tx.RollbackToSavepointAsync("item", ct);
                                db.ChangeTracker.Clear();
                                // Another request appended to the same earner's chain (or wrote the same order) meanwhile: read
                                // again and redo this item — a busy partner's orders queue up instead of failing. A second
                                // writer of the same order number finds it on the next read and gets the first answer.
                                if ((DatabaseSetup.IsUniqueViolation(ex) || DatabaseSetup.IsDeadlockOrSerializationFailure(ex)) && itemAttempt < MaxItemAttempts)
                                {
                                    await Task.Delay(Random.Shared.Next(1, 5 * itemAttempt), ct);
                                    continue;
                                }
                                result = new ItemResult(p.Index, ItemStatus.Conflict, null,
                                    "The order could not be written because another request changed the same records at the same moment; send it again.", null);
                                break;
                            }
                        }
                        db.ChangeTracker.Clear();
                        results.Add(result);
                    }
                    await tx.CommitAsync(ct);
                    return results;
                }
                catch (DbUpdateException ex) when (attempt < MaxAttempts && IsBusy(ex))
                {
                    db.ChangeTracker.Clear();
                    await Task.Delay(Random.Shared.Next(5, 20 * attempt), ct);
                }
            }
        }

        private static DbUpdateException? Unwrap(Exception e) => e as DbUpdateException ?? e.InnerException as DbUpdateException;

        private static bool IsBusy(DbUpdateException ex) => ex.InnerException is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 5 or 6 };

        private async Task<ItemResult> ProcessAsync(Parsed p, Context context, LedgerBook ledger, OrderBulkWrite.NewRows rows, Options options, CancellationToken ct)
        {
            var tenant = db.TenantContext.Required;
            var now = clock.GetUtcNow();

            // Idempotency: the first answer for the same key and body; a conflict for another body.
            if (context.OrdersByKey.TryGetValue((p.Channel, p.ExternalNo), out var existing))
                return existing.RequestHash == p.Hash
                    ? new ItemResult(p.Index, ItemStatus.Replayed, existing.Id, null, null)
                    : new ItemResult(p.Index, ItemStatus.Conflict, existing.Id,
                        $"Order {p.Channel}/{p.ExternalNo} was already received with a different body.", null);

            var store = p.Request.StoreId is { } sid ? context.Stores.GetValueOrDefault(sid)
                : context.StoresByCode.GetValueOrDefault(p.Request.StoreCode!.Trim());
            if (store is null && options.CreateMissing && p.Request.StoreCode is { Length: > 0 } newCode && context.DefaultRegion is { } region)
            {
                store = Store.Create(tenant, region, newCode.Trim(), newCode.Trim(), null, null, null, now);
                db.Stores.Add(store);
                context.AddStore(store);
            }
            if (store is null) return Invalid(p, p.Request.StoreId is null ? "storeCode" : "storeId", "does not name a store of this brand.");

            var errors = new FieldErrors();
            for (var i = 0; i < p.Lines.Count; i++)
            {
                var line = p.Lines[i];
                if (!context.Categories.Contains(line.Category))
                {
                    if (options.CreateMissing) { db.Categories.Add(Category.Create(tenant, line.Category, line.Category)); context.Categories.Add(line.Category); }
                    else errors.Add($"lines[{i}].category", $"'{line.Category}' is not a category of this brand.");
                }
                if (!context.Products.Contains(line.Sku) && !errors.Any)
                {
                    db.Products.Add(Product.Create(tenant, line.Sku, line.Name, line.Category));
                    context.Products.Add(line.Sku);
                }
            }
            if (errors.Any) return new ItemResult(p.Index, ItemStatus.Invalid, null, "One or more fields are invalid.", errors.ToDictionary());

            // The customer: named by id, found by phone or union id, created in the store's pool, or anonymous.
            Customer? customer = null;
            var newCustomer = false;
            if (p.Request.Customer?.Id is { } cid)
            {
                customer = context.CustomerById(new CustomerId(cid));
                if (customer is null) return new ItemResult(p.Index, ItemStatus.NotFound, null, $"Customer {cid} not found.", null);
            }
            else if (p.PhoneHash is not null || p.UnionId is not null || p.ExternalUserId is not null)
            {
                customer = context.CustomerByIdentity(p.PhoneHash, p.UnionId, p.ExternalUserId);
                if (customer is null)
                {
                    customer = Customer.Create(tenant, store.Id, now);
                    if (p.Phone is not null) customer.SetPhone(p.PhoneHash!, pii.Protect(p.Phone), PhoneNumber.Mask(p.Phone));
                    customer.SetWeChat(p.UnionId, p.ExternalUserId);
                    customer.UpdateProfile(p.Request.Customer?.Name, Gender.Unknown, null);
                    rows.Customers.Add(customer);
                    context.AddCustomer(customer);
                    newCustomer = true;
                }
            }

            var order = Order.Create(tenant, p.Channel, p.ExternalNo, p.Hash, store.Id, store.RegionId, customer?.Id, p.PlacedAt, p.PaidAt, now);

            // A share code on the order is a touch first (it may make an owner, if the policy lets it), then the credit.
            string? code = null;
            if (p.Request.ReferralCode is { Length: > 0 } rawCode)
            {
                var entry = context.Codes.GetValueOrDefault(ReferralCode.Normalize(rawCode));
                if (entry is null || entry.DisabledAt is not null)
                    return new ItemResult(p.Index, ItemStatus.NotFound, null, $"Referral code '{rawCode}' is not known.", null);
                code = entry.Code;
                if (customer is not null) RecordCodeTouch(customer, newCustomer, entry, p, store.Id, now, context, rows);
            }

            var credit = customer is null ? null : context.OwnerAt(customer.Id, p.PlacedAt);
            var firstOrder = customer is not null && context.IsFirstOrder(customer.Id, p.PlacedAt);
            var note = customer is null ? "anonymous sale: counts for the store, no personal commission"
                : credit is null ? (newCustomer ? "new customer without a code: in the store pool, no personal commission" : "customer in the store pool at placedAt: counts for the store, no personal commission")
                : $"credited to the customer's owner at placedAt ({credit.Value.Kind})";
            order.CreditTo(credit, note, firstOrder);
            order.SetAmounts(p.Goods, p.LineDiscount, p.OrderDiscount, p.Shipping, p.Tax, p.Paid, p.Promotion, code);
            if (p.Channel == OrderChannel.Pos) order.StartReturnWindowAtPayment(context.Settings.ReturnWindow);

            var spread = DiscountSpread.Spread(p.Lines.Select(l => l.Quantity * l.UnitPrice - l.Discount).ToList(), p.OrderDiscount);
            for (var i = 0; i < p.Lines.Count; i++)
            {
                var l = p.Lines[i];
                order.Lines.Add(OrderLine.Create(tenant, order.Id, i + 1, l.Sku, l.Name, l.Category, l.Quantity, l.UnitPrice, l.Discount, spread[i]));
            }
            rows.Orders.Add(order);
            if (customer is not null) context.RecordOrder(customer.Id, p.PlacedAt);
            context.OrdersByKey[(p.Channel, p.ExternalNo)] = order;

            var commission = await CreditCommissionAsync(order, credit, customer, context, rows, ct);
            if (commission.Count > 0)
            {
                var movements = commission.Select(c => new Movement(c.Holder, LedgerBucket.Pending, c.AmountFen, c.Kind == CommissionLineKind.Bounty ? "bounty" : "commission", c.Id)).ToList();
                movements.Add(new Movement(Earner.Brand, LedgerBucket.CommissionExpense, -commission.Sum(c => c.AmountFen), "commission"));
                await ledger.PostAsync($"accrual:{order.Id}", "Accrual", order.Id, p.PlacedAt, now, movements, ct);
            }
            return new ItemResult(p.Index, ItemStatus.Created, order.Id, null, null);
        }

        /// <summary>The order's commission lines by the rules in force at placedAt: the owner's part of each line, the
        /// store's and region's parts of a split, and the new-customer bounty.</summary>
        private async Task<List<CommissionLine>> CreditCommissionAsync(Order order, Owner? credit, Customer? customer, Context context, OrderBulkWrite.NewRows rows,
            CancellationToken ct)
        {
            var lines = new List<CommissionLine>();
            if (credit is not { } owner) return lines;
            var tenant = order.TenantId;
            var rules = context.Rules;
            var mtd = context.AnyTiers ? await context.MonthToDateAsync(db, owner, order.PlacedAt, ct) : 0;
            var input = new CommissionOrder(
                order.Lines.Select(l => new CommissionLineInput(l.Sku, l.Category, l.Quantity, l.UnitPriceFen, l.LineDiscountFen, l.PaidFen)).ToList(),
                order.IsPromotion, owner.Kind, order.StoreId, order.RegionId, order.PlacedAt, mtd);
            var result = CommissionCalculator.ForOrder(input, rules);
            context.AddMonthSale(owner, order.PlacedAt, order.PaidFen - order.ShippingFen - order.TaxFen);
            var earner = Earner.KindOf(owner.Kind);
            foreach (var l in result.Lines)
            {
                if (l.Outcome != CommissionOutcome.Pays || l.RuleId is null) continue;
                var rate = l.RateKind switch
                {
                    RateKind.BasisPoints => CommissionCalculator.Percent(l.BasisPoints ?? 0),
                    RateKind.FixedPerUnit => $"{OrderMoney.Show(l.FixedFen ?? 0)}/unit",
                    RateKind.FixedPerOrder => $"{OrderMoney.Show(l.FixedFen ?? 0)}/order",
                    _ => "",
                };
                var tier = l.Tier is { } t ? $"MTD ≥ {OrderMoney.Show(t.MonthToDateGmvFen)}: {CommissionCalculator.Percent(t.BasisPoints)}" : null;
                var ruleName = context.RuleName(l.RuleId.Value);
                lines.Add(CommissionLine.Create(tenant, order.Id, l.LineNumber, CommissionLineKind.Sale, earner, owner.Id, l.RuleId, l.RuleVersion, ruleName,
                    rate, tier, l.BaseFen, l.OwnerFen, order.PlacedAt, Cut(l.ExplanationZh), Cut(l.ExplanationEn)));
                if (l.StoreFen != 0)
                    lines.Add(CommissionLine.Create(tenant, order.Id, l.LineNumber, CommissionLineKind.StoreShare, EarnerKind.Store, order.StoreId.Value,
                        l.RuleId, l.RuleVersion, ruleName, rate, null, l.BaseFen, l.StoreFen, order.PlacedAt, Cut(l.ExplanationZh), Cut(l.ExplanationEn)));
                if (l.RegionFen != 0 && order.RegionId is { } region)
                    lines.Add(CommissionLine.Create(tenant, order.Id, l.LineNumber, CommissionLineKind.RegionShare, EarnerKind.Region, region.Value,
                        l.RuleId, l.RuleVersion, ruleName, rate, null, l.BaseFen, l.RegionFen, order.PlacedAt, Cut(l.ExplanationZh), Cut(l.ExplanationEn)));
            }

            if (context.Settings.NewCustomerBountyFen > 0 && customer is not null && order.IsFirstOrder)
            {
                var paidToday = await context.BountyPaidOnDayAsync(db, owner, order.PlacedAt, ct);
                var decision = NewCustomerBounty.Decide(new BountyRequest(true, owner, context.FirstToucher(customer.Id),
                    context.Settings.NewCustomerBountyFen, context.Settings.BountyDailyCapFen, paidToday));
                if (decision.Pays)
                {
                    lines.Add(CommissionLine.Create(tenant, order.Id, 0, CommissionLineKind.Bounty, earner, owner.Id, null, null, "new-customer bounty",
                        "bounty", null, 0, decision.AmountFen, order.PlacedAt, Cut(decision.ExplanationZh), Cut(decision.ExplanationEn)));
                    context.AddBounty(owner, order.PlacedAt, decision.AmountFen);
                }
                else order.CreditTo(credit, $"{order.CreditNote}; no bounty: {decision.Reason}", order.IsFirstOrder);
            }
            lines.RemoveAll(l => l.AmountFen == 0);
            rows.Commission.AddRange(lines);
            return lines;
        }

        private static string Cut(string s) => s.Length > 500 ? s[..500] : s;

        /// <summary>The order's share code as a touch: a <see cref="RecordTouch.Checked"/> built from the order and decided by the
        /// same <see cref="RecordTouch.Decide"/> as any touch — self-referral (the code's owner buying for themself), an inactive
        /// owner and late input (placedAt before decisions already recorded: decided as of placedAt, the later decisions stand)
        /// are settled exactly as for a touch.</summary>
        private void RecordCodeTouch(Customer customer, bool isNew, ReferralCode code, Parsed p, StoreId store, DateTimeOffset now, Context context,
            OrderBulkWrite.NewRows rows)
        {
            var tenant = customer.TenantId;
            var at = p.PlacedAt;
            var request = new RecordTouch.Request(code.Code, null, nameof(TouchChannel.ShareLink), nameof(TouchMethod.Link), p.Phone, p.UnionId,
                null, null, store.Value, at, null);
            var touch = new RecordTouch.Checked(request, TouchChannel.ShareLink, TouchMethod.Link, at, now, p.Phone, customer.PhoneHash ?? p.PhoneHash);
            var toucher = context.Toucher(code, now);
            var state = isNew ? (customer.Owner, customer.ProtectedUntil, false) : RecordTouch.StateAt(customer, at, context.History(customer.Id));
            var actor = actors.Current ?? Actor.System(tenant, "orders");
            var (record, decision) = RecordTouch.Decide(customer, isNew, touch, toucher, store, context.PolicyAt(at), state, actor);
            rows.Touches.Add(record);
            rows.Decisions.Add(decision);
            context.AddDecision(customer.Id, decision);
            // A customer met first through the code on this order was first touched by its owner: the new-customer
            // bounty asks exactly that (this touch is not in the touches read before the batch).
            context.AddTouch(customer.Id, code.Owner, p.PlacedAt);
        }

        private static ItemResult Invalid(Parsed p, string field, string message) =>
            new(p.Index, ItemStatus.Invalid, null, "One or more fields are invalid.", new Dictionary<string, string[]> { [field] = [message] });

        private (Parsed? Order, IReadOnlyDictionary<string, string[]>? Errors) Parse(OrderRequest r, int index, int maxLines)
        {
            var errors = new FieldErrors();
            if (!Enum.TryParse<OrderChannel>(r.Channel, true, out var channel) || !Enum.IsDefined(channel))
                errors.Add("channel", $"must be one of {string.Join(", ", Enum.GetNames<OrderChannel>())}.");
            errors.Required("externalNo", r.ExternalNo, 64);
            if (r.StoreId is null && string.IsNullOrWhiteSpace(r.StoreCode)) errors.Add("storeId", "is required (or storeCode).");

            string? phone = null, phoneHash = null;
            if (r.Customer?.Phone is { Length: > 0 } rawPhone)
            {
                if (PhoneNumber.TryNormalize(rawPhone, out phone!)) phoneHash = pii.LookupHash(phone);
                else errors.Add("customer.phone", "is not a valid mainland China mobile number.");
            }
            var unionId = string.IsNullOrWhiteSpace(r.Customer?.UnionId) ? null : r.Customer!.UnionId!.Trim();
            if (unionId is { Length: > 64 }) errors.Add("customer.unionId", "must be at most 64 characters.");
            var externalUserId = string.IsNullOrWhiteSpace(r.Customer?.ExternalUserId) ? null : r.Customer!.ExternalUserId!.Trim();
            if (externalUserId is { Length: > 64 }) errors.Add("customer.externalUserId", "must be at most 64 characters.");

            long Fen(decimal? value, string field, bool required = false)
            {
                if (value is not { } v) { if (required) errors.Add(field, "is required."); return 0; }
                if (v < 0) { errors.Add(field, "cannot be negative."); return 0; }
                if (!OrderMoney.TryToFen(v, out var fen)) { errors.Add(field, "has more than 2 decimals."); return 0; }
                return fen;
            }

            var lines = new List<ParsedLine>();
            if (r.Lines is not { Count: > 0 }) errors.Add("lines", "an order needs at least one line.");
            else if (r.Lines.Count > maxLines) errors.Add("lines", $"at most {maxLines} lines per order.");
            else
                for (var i = 0; i < r.Lines.Count; i++)
                {
                    var l = r.Lines[i];
                    var f = $"lines[{i}]";
                    errors.Required($"{f}.sku", l.Sku, 40).Optional($"{f}.name", l.Name, 200).Required($"{f}.category", l.Category, 40);
                    if (l.Quantity is not { } qty || qty <= 0) { errors.Add($"{f}.quantity", "must be 1 or more."); qty = 0; }
                    var unit = Fen(l.UnitPrice, $"{f}.unitPrice", required: true);
                    var discount = Fen(l.Discount, $"{f}.discount");
                    if (discount > qty * unit) errors.Add($"{f}.discount", "cannot exceed the line amount.");
                    lines.Add(new ParsedLine(l.Sku?.Trim() ?? "", string.IsNullOrWhiteSpace(l.Name) ? l.Sku?.Trim() ?? "" : l.Name.Trim(), l.Category?.Trim() ?? "", qty, unit, discount));
                }
            var orderDiscount = Fen(r.OrderDiscount, "orderDiscount");
            var shipping = Fen(r.Shipping, "shipping");
            var tax = Fen(r.Tax, "tax");
            var paid = Fen(r.Paid, "paid", required: true);
            var goods = lines.Sum(l => (long)l.Quantity * l.UnitPrice);
            var lineDiscount = lines.Sum(l => l.Discount);
            if (orderDiscount > goods - lineDiscount) errors.Add("orderDiscount", "cannot exceed the lines' total after their own discounts.");
            var now = clock.GetUtcNow();
            var paidAt = r.PaidAt ?? r.PlacedAt ?? now;
            var placedAt = r.PlacedAt ?? paidAt;
            if (placedAt > now + TimeSpan.FromMinutes(5)) errors.Add("placedAt", "cannot be in the future.");
            if (paidAt > now + TimeSpan.FromMinutes(5)) errors.Add("paidAt", "cannot be in the future.");
            if (!errors.Any && paid != goods - lineDiscount - orderDiscount + shipping + tax)
                errors.Add("paid", $"is {OrderMoney.Show(paid)} but the lines total − discounts + shipping + tax is {OrderMoney.Show(goods - lineDiscount - orderDiscount + shipping + tax)}.");
            if (errors.Any) return (null, errors.ToDictionary());

            return (new Parsed(index, r, channel, r.ExternalNo!.Trim(), HashOf(r), lines, goods, lineDiscount, orderDiscount, shipping, tax, paid,
                LedgerBook.Truncate(placedAt), LedgerBook.Truncate(paidAt), r.Promotion ?? false, phone, phoneHash, unionId, externalUserId), null);
        }

        /// <summary>The SHA-256 of the request's UTF-8 JSON text, as before. The text is written into a buffer this thread keeps
        /// (the same bytes as SerializeToUtf8Bytes, without a new array and writer per order).</summary>
        private static string HashOf(OrderRequest r)
        {
            var buffer = t_hashBuffer ??= new ArrayBufferWriter<byte>(1024);
            var writer = t_hashWriter ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = HashJson.Encoder, Indented = false });
            buffer.ResetWrittenCount();
            writer.Reset(buffer);
            JsonSerializer.Serialize(writer, r, HashJson);
            writer.Flush();
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(buffer.WrittenSpan, hash);
            return Convert.ToHexStringLower(hash);
        }
    }

    private sealed record ParsedLine(string Sku, string Name, string Category, int Quantity, long UnitPrice, long Discount);

    private sealed record Parsed(int Index, OrderRequest Request, OrderChannel Channel, string ExternalNo, string Hash, List<ParsedLine> Lines,
        long Goods, long LineDiscount, long OrderDiscount, long Shipping, long Tax, long Paid, DateTimeOffset PlacedAt, DateTimeOffset PaidAt,
        bool Promotion, string? Phone, string? PhoneHash, string? UnionId, string? ExternalUserId);

    /// <summary>What a batch needs to know, read with a few set-based queries before any item is decided, and kept
    /// up to date in memory as items are added (two orders of one customer in one batch see each other).</summary>
    private sealed class Context
    {
        public Dictionary<Guid, Store> Stores { get; } = [];
        public Dictionary<string, Store> StoresByCode { get; } = new(StringComparer.Ordinal);
        public RegionId? DefaultRegion { get; private set; }
        public HashSet<string> Categories { get; private set; } = new(StringComparer.Ordinal);
        public HashSet<string> Products { get; private set; } = new(StringComparer.Ordinal);
        public Dictionary<(OrderChannel, string), Order> OrdersByKey { get; } = [];
        public Dictionary<string, ReferralCode> Codes { get; private set; } = new(StringComparer.Ordinal);
        public List<CommissionRule> Rules { get; private set; } = [];
        /// <summary>Whether any rule has tiers (only then does an order need its owner's month-to-date sales).</summary>
        public bool AnyTiers { get; private set; }
        public CommissionSettings Settings { get; private set; } = default!;
        private Dictionary<Guid, string> _ruleNames = [];
        private List<AttributionPolicy> _policies = [];
        private readonly Dictionary<CustomerId, Customer> _customers = [];
        private readonly Dictionary<string, Customer> _byPhone = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Customer> _byUnion = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Customer> _byExternal = new(StringComparer.Ordinal);
        private readonly Dictionary<CustomerId, List<AttributionDecision>> _decisions = [];
        private readonly Dictionary<CustomerId, List<DateTimeOffset>> _orders = [];
        private readonly Dictionary<CustomerId, (DateTimeOffset At, Owner? Owner)> _firstTouch = [];
        private readonly Dictionary<Guid, Staff> _staff = [];
        private readonly Dictionary<Guid, Partner> _partners = [];
        private readonly Dictionary<(Guid, DateOnly), long> _bounty = [];
        private readonly Dictionary<(Guid, int, int), MonthSales> _monthSales = [];
        private readonly Dictionary<(Guid, int, int), List<(DateTimeOffset At, long Net)>> _batchSales = [];
        private TimeZoneInfo _zone = TimeZoneInfo.Utc;

        /// <summary>Awaited before a read of the batch's connection while deciding (a part of the batch may be being written).</summary>
        public Func<Task> BeforeRead { get; set; } = () => Task.CompletedTask;

        public static async Task<Context> LoadAsync(GuidelinkDb db, List<Parsed> items, CancellationToken ct)
        {
            var c = new Context();
            var tenant = await db.Tenants.AsNoTracking().FirstAsync(t => t.Id == db.TenantContext.Required, ct);
            c._zone = TimeZoneInfo.FindSystemTimeZoneById(tenant.TimeZone);
            foreach (var s in await db.Stores.ToListAsync(ct)) c.AddStore(s);
            c.DefaultRegion = await db.Regions.OrderBy(r => r.Code).Select(r => (RegionId?)r.Id).FirstOrDefaultAsync(ct);
            c.Categories = (await db.Categories.Select(x => x.Code).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
            var skus = items.SelectMany(i => i.Lines.Select(l => l.Sku)).Distinct().ToList();
            foreach (var chunk in skus.Chunk(500))
                c.Products.UnionWith(await db.Products.Where(p => chunk.Contains(p.Sku)).Select(p => p.Sku).ToListAsync(ct));

            // By channel and number: the unique index is (brand, channel, number), so without the channel the database
            // read every order of the brand's index to find a batch's numbers (one scan per chunk, growing with the history).
            // The numbers go as one array parameter (json_each on SQLite, = ANY on PostgreSQL) rather than 500 parameters
            // that EF expands and SQLite binds by name, one by one.
            foreach (var channel in items.GroupBy(i => i.Channel))
            {
                var numbers = channel.Select(i => i.ExternalNo).Distinct().ToList();
                var key = channel.Key;
                foreach (var chunk in numbers.Chunk(1000))
                    foreach (var o in await db.Orders.Where(o => o.Channel == key && EF.Parameter(chunk).Contains(o.ExternalNo)).ToListAsync(ct))
                        c.OrdersByKey[(o.Channel, o.ExternalNo)] = o;
            }

            var codes = items.Where(i => i.Request.ReferralCode is { Length: > 0 }).Select(i => ReferralCode.Normalize(i.Request.ReferralCode!)).Distinct().ToList();
            if (codes.Count > 0) c.Codes = await db.ReferralCodes.Where(r => codes.Contains(r.Code)).ToDictionaryAsync(r => r.Code, StringComparer.Ordinal, ct);

            // By each identity on its unique index (CustomerLookups). Orders by customer test the nullable CustomerId IS NOT NULL
            // first, for the same reason as those lookups: without it EF's Contains keeps PostgreSQL off the index.
            var ids = items.Where(i => i.Request.Customer?.Id is not null).Select(i => new CustomerId(i.Request.Customer!.Id!.Value)).Distinct().ToList();
            var hashes = items.Where(i => i.PhoneHash is not null).Select(i => i.PhoneHash!).Distinct().ToList();
            var unions = items.Where(i => i.UnionId is not null).Select(i => i.UnionId!).Distinct().ToList();
            foreach (var chunk in ids.Chunk(500)) foreach (var x in await db.Customers.Where(x => chunk.Contains(x.Id)).ToListAsync(ct)) c.AddCustomer(x);
            foreach (var chunk in hashes.Chunk(1000)) foreach (var x in await db.Customers.WithPhoneHashIn(chunk).ToListAsync(ct)) c.AddCustomer(x);
            foreach (var chunk in unions.Chunk(1000)) foreach (var x in await db.Customers.WithUnionIdIn(chunk).ToListAsync(ct)) c.AddCustomer(x);
            var externals = items.Where(i => i.ExternalUserId is not null).Select(i => i.ExternalUserId!).Distinct().ToList();
            foreach (var chunk in externals.Chunk(1000)) foreach (var x in await db.Customers.WithExternalUserIdIn(chunk).ToListAsync(ct)) c.AddCustomer(x);

            var known = c._customers.Keys.ToList();
            foreach (var chunk in known.Chunk(500))
            {
                foreach (var d in await db.AttributionDecisions.AsNoTracking().Where(d => chunk.Contains(d.CustomerId)).ToListAsync(ct))
                    c.History(d.CustomerId).Add(d);
                foreach (var o in await db.Orders.AsNoTracking().Where(o => o.CustomerId != null && chunk.Contains(o.CustomerId.Value)).Select(o => new { o.CustomerId, o.PlacedAt }).ToListAsync(ct))
                    c.RecordOrder(o.CustomerId!.Value, o.PlacedAt);
                foreach (var t in await db.Touches.AsNoTracking().Where(t => chunk.Contains(t.CustomerId)).OrderBy(t => t.OccurredAt).ThenBy(t => t.RecordedAt)
                             .Select(t => new { t.CustomerId, t.OccurredAt, t.ToucherKind, t.ToucherId }).ToListAsync(ct))
                    c._firstTouch.TryAdd(t.CustomerId, (t.OccurredAt, t.ToucherKind is { } k && t.ToucherId is { } tid ? new Owner(k, tid) : null));
            }

            var owners = c.Codes.Values.Select(r => r.OwnerId).ToList();
            if (owners.Count > 0)
            {
                var partnerIds = owners.Select(o => new PartnerId(o)).ToList();
                var staffIds = owners.Select(o => new StaffId(o)).ToList();
                foreach (var p in await db.Partners.AsNoTracking().Where(p => partnerIds.Contains(p.Id)).ToListAsync(ct)) c._partners[p.Id.Value] = p;
                foreach (var s in await db.Staff.AsNoTracking().Include(s => s.Assignments).Where(s => staffIds.Contains(s.Id)).ToListAsync(ct)) c._staff[s.Id.Value] = s;
            }

            c._policies = await db.AttributionPolicies.AsNoTracking().OrderBy(p => p.Version).ToListAsync(ct);
            c.Rules = await RuleDefinition.AllVersionsAsync(db, ct);
            c.AnyTiers = c.Rules.Any(r => r.Tiers.Count > 0);
            c._ruleNames = c.Rules.GroupBy(r => r.Id).ToDictionary(g => g.Key, g => g.OrderByDescending(r => r.Version).First().Name);
            c.Settings = await db.CommissionSettings.AsNoTracking().SingleOrDefaultAsync(ct) ?? CommissionSettings.Default(db.TenantContext.Required);
            return c;
        }

        public void AddStore(Store s)
        {
            Stores[s.Id.Value] = s;
            StoresByCode[s.Code] = s;
        }

        public void AddCustomer(Customer x)
        {
            _customers[x.Id] = x;
            if (x.PhoneHash is not null) _byPhone[x.PhoneHash] = x;
            if (x.UnionId is not null) _byUnion[x.UnionId] = x;
            if (x.ExternalUserId is not null) _byExternal[x.ExternalUserId] = x;
        }

        public Customer? CustomerById(CustomerId id) => _customers.GetValueOrDefault(id);

        /// <summary>The same precedence as a touch: phone, then union id, then external user id.</summary>
        public Customer? CustomerByIdentity(string? phoneHash, string? unionId, string? externalUserId) =>
            (phoneHash is not null ? _byPhone.GetValueOrDefault(phoneHash) : null) ?? (unionId is not null ? _byUnion.GetValueOrDefault(unionId) : null)
            ?? (externalUserId is not null ? _byExternal.GetValueOrDefault(externalUserId) : null);

        /// <summary>The customer's recorded decisions (read once, then those the batch adds).</summary>
        public List<AttributionDecision> History(CustomerId id) =>
            _decisions.TryGetValue(id, out var list) ? list : _decisions[id] = [];

        public void AddDecision(CustomerId id, AttributionDecision d) => History(id).Add(d);

        /// <summary>The owner at <paramref name="at"/>: the latest decision made at or before it (none: the pool).</summary>
        public Owner? OwnerAt(CustomerId id, DateTimeOffset at)
        {
            // The last by (DecidedAt, RecordedAt), the later in the list among equals (as a stable sort's last would be).
            AttributionDecision? latest = null;
            foreach (var d in History(id))
                if (d.DecidedAt <= at && (latest is null || d.DecidedAt > latest.DecidedAt || (d.DecidedAt == latest.DecidedAt && d.RecordedAt >= latest.RecordedAt)))
                    latest = d;
            return latest?.NewOwner;
        }

        public Owner? FirstToucher(CustomerId id) => _firstTouch.GetValueOrDefault(id).Owner;

        /// <summary>A touch this batch records (an order's share code): the customer's first touch if none was earlier
        /// (a late order's code can be earlier than the touches already recorded).</summary>
        public void AddTouch(CustomerId id, Owner? toucher, DateTimeOffset at)
        {
            if (!_firstTouch.TryGetValue(id, out var first) || at < first.At) _firstTouch[id] = (at, toucher);
        }

        public void RecordOrder(CustomerId id, DateTimeOffset placedAt)
        {
            if (!_orders.TryGetValue(id, out var list)) _orders[id] = list = [];
            list.Add(placedAt);
        }

        public bool IsFirstOrder(CustomerId id, DateTimeOffset placedAt) => !_orders.TryGetValue(id, out var list) || list.All(t => t >= placedAt);

        /// <summary>The code's owner as the attribution rules see a toucher (active or not, home store, phone for self-referral).</summary>
        public RecordTouch.ToucherInfo Toucher(ReferralCode code, DateTimeOffset now) => (code.Owner.IsStaff
            ? RecordTouch.DescribeStaff(_staff.GetValueOrDefault(code.OwnerId) ?? throw new InvalidOperationException($"Code {code.Code} names an unknown staff member."), now)
            : RecordTouch.DescribePartner(_partners.GetValueOrDefault(code.OwnerId) ?? throw new InvalidOperationException($"Code {code.Code} names an unknown partner.")))
            with
        { Code = code.Code, Campaign = code.Campaign };

        public AttributionPolicy PolicyAt(DateTimeOffset at) =>
            _policies.LastOrDefault(p => p.EffectiveFrom <= at) ?? AttributionPolicy.Default(Settings.TenantId);

        public string? RuleName(Guid id) => _ruleNames.GetValueOrDefault(id);

        /// <summary>The owner's credited GMV in the brand-time month of <paramref name="at"/>, before it, net of the
        /// refunds known then. Read once per owner and month, then kept up to date as the batch credits orders.</summary>
        public async Task<long> MonthToDateAsync(GuidelinkDb db, Owner owner, DateTimeOffset at, CancellationToken ct)
        {
            var (start, end) = BrandCalendar.MonthWindow(at, _zone);
            var local = TimeZoneInfo.ConvertTime(at, _zone);
            var key = (owner.Id, local.Year, local.Month);
            if (!_monthSales.TryGetValue(key, out var sales))
            {
                await BeforeRead();
                var rows = await db.Orders.AsNoTracking()
                    .Where(o => o.CreditId == owner.Id && o.PlacedAt >= start && o.PlacedAt < end)
                    .Select(o => new { o.Id, o.PlacedAt, Goods = o.PaidFen - o.ShippingFen - o.TaxFen })
                    .ToListAsync(ct);
                var orderIds = rows.Select(r => r.Id).ToList();
                var refunds = await db.OrderEvents.AsNoTracking()
                    .Where(e => e.Kind == OrderEventKind.Refunded && orderIds.Contains(e.OrderId))
                    .Select(e => new { e.OrderId, e.At, e.AmountFen }).ToListAsync(ct);
                sales = new MonthSales(rows.Select(r => (r.PlacedAt, r.Goods)).Concat(refunds.Select(r => (r.At, -r.AmountFen))));
                _monthSales[key] = sales;
            }
            var total = sales.Before(at);
            if (_batchSales.TryGetValue(key, out var added))
                foreach (var s in added)
                    if (s.At < at) total += s.Net;
            return total;
        }

        /// <summary>An owner's month as read from the database, sorted by time with running totals: the sum before an
        /// instant is one binary search (a busy owner's month has thousands of orders, and every order of a batch asks).</summary>
        private sealed class MonthSales
        {
            private readonly DateTimeOffset[] _at;
            private readonly long[] _runningTotal; // _runningTotal[i] = the sum of the first i sales

            public MonthSales(IEnumerable<(DateTimeOffset At, long Net)> sales)
            {
                var sorted = sales.OrderBy(s => s.At).ToArray();
                _at = sorted.Select(s => s.At).ToArray();
                _runningTotal = new long[sorted.Length + 1];
                for (var i = 0; i < sorted.Length; i++) _runningTotal[i + 1] = _runningTotal[i] + sorted[i].Net;
            }

            /// <summary>The sum of the sales strictly before <paramref name="at"/>.</summary>
            public long Before(DateTimeOffset at)
            {
                int lo = 0, hi = _at.Length; // the first index whose time is ≥ at
                while (lo < hi)
                {
                    var mid = (lo + hi) >>> 1;
                    if (_at[mid] < at) lo = mid + 1; else hi = mid;
                }
                return _runningTotal[lo];
            }
        }

        /// <summary>Orders credited by this batch (not yet in the database) count for the later orders' tiers.</summary>
        public void AddMonthSale(Owner owner, DateTimeOffset at, long net)
        {
            var local = TimeZoneInfo.ConvertTime(at, _zone);
            var key = (owner.Id, local.Year, local.Month);
            if (!_batchSales.TryGetValue(key, out var list)) _batchSales[key] = list = [];
            list.Add((at, net));
        }

        public async Task<long> BountyPaidOnDayAsync(GuidelinkDb db, Owner owner, DateTimeOffset at, CancellationToken ct)
        {
            var day = BrandCalendar.DayOf(at, _zone);
            if (!_bounty.TryGetValue((owner.Id, day), out var paid))
            {
                var (start, end) = BrandCalendar.DayWindow(at, _zone);
                await BeforeRead();
                paid = await db.CommissionLines.AsNoTracking()
                    .Where(c => c.EarnerId == owner.Id && c.Kind == CommissionLineKind.Bounty && c.PlacedAt >= start && c.PlacedAt < end)
                    .SumAsync(c => c.AmountFen, ct);
                _bounty[(owner.Id, day)] = paid;
            }
            return paid;
        }

        public void AddBounty(Owner owner, DateTimeOffset at, long fen)
        {
            var day = BrandCalendar.DayOf(at, _zone);
            _bounty[(owner.Id, day)] = _bounty.GetValueOrDefault((owner.Id, day)) + fen;
        }
    }
}
