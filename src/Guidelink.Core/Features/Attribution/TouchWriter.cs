using System.Threading.Channels;
using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Customers;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Guidelink.Core.Features.Attribution.RecordTouch;

namespace Guidelink.Core.Features.Attribution;

/// <summary>Records the touches of the API by group commit: each request is checked on its own thread and
/// queued; one loop per process takes every touch waiting (up to <see cref="MaxBatch"/>), looks up what they
/// need with one query per kind (codes, staff, partners, stores, customers, policy), decides them in arrival
/// order in memory — so two touches of one customer in a batch see each other, exactly as if they had come one
/// after the other — and inserts customers, touches and decisions with one SaveChanges (one commit). Deciding a
/// touch costs ~10 round trips and a commit one by one; a batch shares them, which is what lets the API keep up
/// with the database instead of with its own round trips.
/// If the batch cannot be saved (another instance created or changed one of its customers meanwhile, a unique
/// identity clash inside the batch, anything else), nothing of it was written, and each touch is decided again
/// one by one by <see cref="RecordTouch.Handler"/> with its retry on races: no touch is lost or recorded twice,
/// and one bad touch fails only its own request.</summary>
public sealed class TouchWriter : IAsyncDisposable
{
    public const int MaxBatch = 256;

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>();
    private readonly IServiceScopeFactory _scopes;
    private readonly PiiProtector _pii;
    private readonly TimeProvider _clock;
    private readonly ILogger<TouchWriter> _logger;
    private readonly Task[] _loops;
    private int _batchesDecidedAlone;

    /// <summary>Batches that could not be saved together and were decided one by one — for tests: the fallback gives the
    /// same answers, so only this tells that the batch path itself works.</summary>
    internal int BatchesDecidedAlone => Volatile.Read(ref _batchesDecidedAlone);

    public TouchWriter(IServiceScopeFactory scopes, PiiProtector pii, TimeProvider clock, ILogger<TouchWriter> logger, DatabaseOptions database)
    {
        _scopes = scopes;
        _pii = pii;
        _clock = clock;
        _logger = logger;
        // SQLite has one writer at a time: one loop. PostgreSQL takes writers in parallel, and one loop left its throughput
        // at a tenth of a bare insert's (bench/README.md): several loops each take a batch, as several instances would.
        // Touches of one customer in two batches written at once are settled like touches from two instances: the database
        // refuses the second (unique identity, customer version) and that batch is decided again one by one.
        var loops = database.Provider == DatabaseProvider.Sqlite ? 1 : Math.Max(1, database.TouchWriters);
        // Their own threads, with synchronous database calls: under load the thread pool's queue is full of request work,
        // and the loops every request waits for should not wait in that queue after each of their round trips.
        _loops = Enumerable.Range(0, loops)
            .Select(_ => Task.Factory.StartNew(Run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))
            .ToArray();
    }

    private sealed record Pending(Checked Touch, Actor Actor, TaskCompletionSource<Outcome<Response>> Done, CancellationToken RequestAborted);

    /// <summary>Checks the request, queues it and answers when its batch has committed (or when it failed its own checks).</summary>
    public async Task<Outcome<Response>> RecordAsync(Actor actor, Request request, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (Check(request, _clock.GetUtcNow(), _pii, errors) is not { } touch) return errors.ToOutcome<Response>();
        var pending = new Pending(touch, actor, new TaskCompletionSource<Outcome<Response>>(TaskCreationOptions.RunContinuationsAsynchronously), ct);
        if (!_queue.Writer.TryWrite(pending)) throw new ObjectDisposedException(nameof(TouchWriter), "The touch writer has stopped.");
        return await pending.Done.Task;
    }

    /// <summary>Decides these touches as one batch, as the loop does when they arrive together — for tests, which need
    /// to know what shares a batch. Runs beside the loop; the caller sees to it that nothing else is queued meanwhile.</summary>
    internal async Task<IReadOnlyList<Task<Outcome<Response>>>> RecordTogetherAsync(TenantId tenant, IReadOnlyList<(Actor Actor, Request Request)> touches)
    {
        var answers = new Task<Outcome<Response>>[touches.Count];
        var batch = new List<Pending>();
        for (var i = 0; i < touches.Count; i++)
        {
            var errors = new FieldErrors();
            if (Check(touches[i].Request, _clock.GetUtcNow(), _pii, errors) is not { } touch)
            {
                answers[i] = Task.FromResult(errors.ToOutcome<Response>());
                continue;
            }
            var pending = new Pending(touch, touches[i].Actor, new TaskCompletionSource<Outcome<Response>>(TaskCreationOptions.RunContinuationsAsynchronously), default);
            batch.Add(pending);
            answers[i] = pending.Done.Task;
        }
        await Task.Run(() => Write(tenant, batch));
        return answers; // each completed: its outcome, or the exception of a touch that failed alone

    }

    private void Run()
    {
        var batch = new List<Pending>(MaxBatch);
        while (_queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var pending))
            {
                // A caller that has gone before its touch was decided gets nothing written, as with the one-by-one path.
                if (pending.RequestAborted.IsCancellationRequested) pending.Done.TrySetCanceled(pending.RequestAborted);
                else batch.Add(pending);
            }
            // Brands never share a unit of work (query filter and write guard act for one brand).
            foreach (var brand in batch.GroupBy(p => p.Actor.TenantId))
                Write(brand.Key, brand.ToList());
            batch.Clear();
        }
    }

    private void Write(TenantId tenant, List<Pending> items)
    {
        Outcome<Response>[] outcomes;
        try
        {
            outcomes = DecideBatch(tenant, items);
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref _batchesDecidedAlone);
            // Nothing of the batch was committed: decide each touch alone, with the handler's retry on races.
            if (_logger.IsEnabled(LogLevel.Information))
                _logger.LogInformation(ex, "A batch of {Count} touches could not be saved together; deciding them one by one.", items.Count);
            foreach (var item in items) DecideAloneAsync(tenant, item).GetAwaiter().GetResult();
            return;
        }
        for (var i = 0; i < items.Count; i++) items[i].Done.TrySetResult(outcomes[i]);
    }

    private async Task DecideAloneAsync(TenantId tenant, Pending item)
    {
        try
        {
            await using var scope = _scopes.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<TenantContext>().Set(tenant);
            scope.ServiceProvider.GetRequiredService<ActorContext>().Current = item.Actor;
            var outcome = await scope.ServiceProvider.GetRequiredService<Handler>().HandleAsync(item.Touch, CancellationToken.None);
            item.Done.TrySetResult(outcome);
        }
        catch (Exception ex)
        {
            item.Done.TrySetException(ex);
        }
    }

    /// <summary>Decides every touch of one brand's batch and saves them in one SaveChanges; the outcome of each, in order.
    /// Throws (having written nothing) when the batch cannot be saved.</summary>
    private Outcome<Response>[] DecideBatch(TenantId tenant, List<Pending> items)
    {
        using var scope = _scopes.CreateScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(tenant);
        // The batch writes nothing audited; each touch records its own actor (EnteredBy) and is decided with it.
        scope.ServiceProvider.GetRequiredService<ActorContext>().Current = Actor.System(tenant, "touch-writer");
        var db = scope.ServiceProvider.GetRequiredService<GuidelinkDb>();
        db.Database.OpenConnection(); // one connection for the batch's reads and writes, not one open per query
        var now = _clock.GetUtcNow();

        // Who touched: codes, then the staff and partners they (or staffId) name.
        var codeNames = items.Select(i => i.Touch.Request.Code).OfType<string>().Where(c => c.Length > 0).Select(ReferralCode.Normalize).Distinct().ToList();
        var codes = codeNames.Count == 0 ? [] : db.ReferralCodes.AsNoTracking().Where(c => codeNames.Contains(c.Code)).ToDictionary(c => c.Code);
        var staffIds = new HashSet<StaffId>();
        var partnerIds = new HashSet<PartnerId>();
        foreach (var item in items)
        {
            var request = item.Touch.Request;
            if (request.Code is { Length: > 0 } code)
            {
                if (codes.GetValueOrDefault(ReferralCode.Normalize(code)) is { DisabledAt: null } entry)
                {
                    if (entry.Owner.IsStaff) staffIds.Add(new StaffId(entry.OwnerId));
                    else partnerIds.Add(new PartnerId(entry.OwnerId));
                }
            }
            else if (StaffToucherId(request, item.Actor) is { } id && AsActor(item.Actor, id) is null) staffIds.Add(new StaffId(id));
        }
        var staff = staffIds.Count == 0 ? [] : db.Staff.AsNoTracking().Include(s => s.Assignments).Where(s => staffIds.Contains(s.Id)).ToDictionary(s => s.Id.Value);
        var partners = partnerIds.Count == 0 ? [] : db.Partners.AsNoTracking().Where(p => partnerIds.Contains(p.Id)).ToDictionary(p => p.Id.Value);
        var storeIds = items.Select(i => i.Touch.Request.StoreId).OfType<Guid>().Select(id => new StoreId(id)).Distinct().ToList();
        var stores = storeIds.Count == 0 ? [] : db.Stores.Where(s => storeIds.Contains(s.Id)).Select(s => s.Id).ToHashSet();

        // The customers of the batch, by each identity (one query per kind, each on its unique index: CustomerLookups).
        var customers = new Customers();
        var hashes = items.Select(i => i.Touch.PhoneHash).OfType<string>().Distinct().ToList();
        var unionIds = items.Select(i => i.Touch.UnionId).OfType<string>().Distinct().ToList();
        var externalIds = items.Select(i => i.Touch.ExternalUserId).OfType<string>().Distinct().ToList();
        if (hashes.Count > 0) customers.Load(db.Customers.WithPhoneHashIn(hashes));
        if (unionIds.Count > 0) customers.Load(db.Customers.WithUnionIdIn(unionIds));
        if (externalIds.Count > 0) customers.Load(db.Customers.WithExternalUserIdIn(externalIds));

        // Late input needs the decision history of the customers it is about (only when a touch states its own time).
        var histories = new Dictionary<CustomerId, List<AttributionDecision>>();
        if (items.Any(i => i.Touch.Request.OccurredAt is not null) && customers.Loaded.Count > 0)
        {
            var ids = customers.Loaded.Select(c => c.Id).ToList();
            foreach (var d in db.AttributionDecisions.AsNoTracking().Where(d => ids.Contains(d.CustomerId)))
                HistoryOf(histories, d.CustomerId).Add(d);
        }

        // Every version of the brand's policy (a handful); the one in force at each touch's own time is picked in memory.
        var policies = db.AttributionPolicies.AsNoTracking().OrderBy(p => p.Version).ToList();

        // New rows are not added to the context: they are inserted below without change tracking (RowInserter), which was
        // most of the writer's time per touch. Customers read from the database stay tracked, so their changes are saved by
        // SaveChanges with the version check that settles races with other instances.
        var newCustomers = new List<Customer>();
        var touches = new List<Touch>(items.Count);
        var decisions = new List<AttributionDecision>(items.Count);
        var outcomes = new Outcome<Response>[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            var (touch, actor) = (items[i].Touch, items[i].Actor);
            var request = touch.Request;

            // The same checks, in the same order, as the one-by-one handler.
            ToucherInfo? toucher = null;
            if (request.Code is { Length: > 0 } code)
            {
                if (codes.GetValueOrDefault(ReferralCode.Normalize(code)) is not { DisabledAt: null } entry)
                {
                    outcomes[i] = Outcome<Response>.NotFound(CodeNotFound(request));
                    continue;
                }
                toucher = (entry.Owner.IsStaff
                    ? DescribeStaff(staff.GetValueOrDefault(entry.OwnerId) ?? throw new InvalidOperationException($"Code {entry.Code} names an unknown staff member."), now)
                    : DescribePartner(partners.GetValueOrDefault(entry.OwnerId) ?? throw new InvalidOperationException($"Code {entry.Code} names an unknown partner.")))
                    with
                { Code = entry.Code, Campaign = entry.Campaign };
            }
            else if (StaffToucherId(request, actor) is { } staffId)
            {
                toucher = AsActor(actor, staffId) ?? (staff.GetValueOrDefault(staffId) is { } s && CanTouch(s) ? DescribeStaff(s, now) : null);
                if (toucher is null)
                {
                    outcomes[i] = Outcome<Response>.Invalid("staffId", StaffNotValid);
                    continue;
                }
            }
            if (request.StoreId is { } requested && !stores.Contains(new StoreId(requested)))
            {
                outcomes[i] = Outcome<Response>.Invalid("storeId", StoreNotFound);
                continue;
            }
            StoreId? store = request.StoreId is { } sid ? new StoreId(sid) : toucher?.HomeStore;

            var found = customers.Find(touch);
            var customer = Identify(found, tenant, touch, store, _pii);
            if (found is null) newCustomers.Add(customer);
            customers.Index(customer);

            var policy = policies.LastOrDefault(p => p.EffectiveFrom <= touch.At) ?? AttributionPolicy.Default(tenant);
            var state = found is null || request.OccurredAt is null
                ? (customer.Owner, customer.ProtectedUntil, false)
                : StateAt(customer, touch.At, histories.GetValueOrDefault(customer.Id) ?? []);
            var (record, decision) = Decide(customer, isNew: found is null, touch, toucher, store, policy, state, actor);
            touches.Add(record);
            decisions.Add(decision);
            HistoryOf(histories, customer.Id).Add(decision);
            outcomes[i] = new Response(customer.Id.Value, found is null, record.Id, View(decision));
        }

        // One commit: the changed customers (version-checked), then the new customers before their touches and decisions.
        if (db.Database.IsSqlite())
        {
            // Hold the process's write gate for the whole transaction, as SaveChanges alone would have.
            using var gate = SqliteWriteGate.Of(db)?.Hold();
            using var transaction = db.Database.BeginTransaction();
            db.SaveChanges();
            RowInserter.Insert(db, newCustomers, touches, decisions);
            transaction.Commit();
        }
        else if (db.ChangeTracker.HasChanges())
        {
            using var transaction = db.Database.BeginTransaction();
            db.SaveChanges();
            RowInserter.Insert(db, newCustomers, touches, decisions);
            transaction.Commit();
        }
        else RowInserter.Insert(db, newCustomers, touches, decisions); // one batch = one round trip and its own transaction
        return outcomes;
    }

    private static List<AttributionDecision> HistoryOf(Dictionary<CustomerId, List<AttributionDecision>> histories, CustomerId id)
    {
        if (!histories.TryGetValue(id, out var list)) histories[id] = list = [];
        return list;
    }

    /// <summary>The batch's customers by phone hash, union id and external user id: those read from the database and
    /// those the batch created or gave a new identity, so a later touch of the batch finds them as the handler would.</summary>
    private sealed class Customers
    {
        private readonly Dictionary<string, Customer> _byPhone = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Customer> _byUnion = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Customer> _byExternal = new(StringComparer.Ordinal);

        /// <summary>Those read from the database (the same row may come back from two identity queries: one tracked instance).</summary>
        public HashSet<Customer> Loaded { get; } = [];

        public void Load(IEnumerable<Customer> customers)
        {
            foreach (var c in customers)
            {
                Loaded.Add(c);
                Index(c);
            }
        }

        public void Index(Customer c)
        {
            if (c.PhoneHash is { } hash) _byPhone.TryAdd(hash, c);
            if (c.UnionId is { } union) _byUnion.TryAdd(union, c);
            if (c.ExternalUserId is { } external) _byExternal.TryAdd(external, c);
        }

        /// <summary>The same precedence as the handler: phone, then union id, then external user id.</summary>
        public Customer? Find(Checked touch) =>
            (touch.PhoneHash is { } hash ? _byPhone.GetValueOrDefault(hash) : null)
            ?? (touch.UnionId is { } union ? _byUnion.GetValueOrDefault(union) : null)
            ?? (touch.ExternalUserId is { } external ? _byExternal.GetValueOrDefault(external) : null);
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_loops);
    }
}
