using System.Threading.Channels;
using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Guidelink.Core.Features.Orders.IngestOrders;

namespace Guidelink.Core.Features.Orders;

/// <summary>Takes the single orders of <c>POST /api/orders</c> by group commit: each request is queued; one loop per
/// process takes every order waiting (up to <see cref="IngestOrders.MaxBatch"/>) and hands them, per brand and sender, to
/// <see cref="IngestOrders.Handler"/> as one batch — the same handler, rules and answers as one order alone, but one read
/// of the state and one commit for all of them.
/// <para>Why: every order with commission appends to its earner's ledger hash chain and to the brand's (the commission
/// expense), one sequence number after the other. Single orders written at the same moment by concurrent requests collide
/// on those chain heads; all but one fail and are replayed one by one, so 64 clients got 7–8 orders/s (bench/README.md).
/// In one batch the orders are chained in memory, in arrival order, and none collide.</para>
/// <para>One loop, on both providers: the brand's chain takes every order with commission, so two batches of one brand
/// written at once would collide exactly like two single orders did. Across several instances the database still settles
/// such races: the loser's batch is replayed item by item inside the handler, as any batch is.</para>
/// <para>Orders in one batch behave as if they had come one after the other: the handler keeps what the batch adds
/// (orders by key, customers, decisions, month-to-date sales) in memory, so a second order with the same key gets the
/// first answer (same body) or a conflict (another body), and a bad order is rejected alone, naming its field.</para></summary>
public sealed class OrderWriter : IAsyncDisposable
{
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger<OrderWriter> _logger;
    private readonly Task _loop;
    private int _largestBatch;

    /// <summary>The most orders one call of the handler has taken — for tests and the bench: the answers are the same
    /// whether orders were batched or not, so only this tells that they were.</summary>
    public int LargestBatch => Volatile.Read(ref _largestBatch);

    public OrderWriter(IServiceScopeFactory scopes, ILogger<OrderWriter> logger)
    {
        _scopes = scopes;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    private sealed record Pending(Actor Actor, OrderRequest Request, TaskCompletionSource<ItemResult> Done, CancellationToken RequestAborted);

    /// <summary>Who a batch is written as. Orders of one brand share a batch when they are sent by the same actor as the
    /// handler records it: its name on the share code's touch (EnteredBy) and kind, id and name in the audit trail.</summary>
    private readonly record struct Sender(TenantId Tenant, ActorKind Kind, string AuditId, string Name)
    {
        public static Sender Of(Actor actor) => new(actor.TenantId, actor.Kind, actor.AuditId, actor.Name);
    }

    /// <summary>Queues the order and answers when its batch has been written: its own result (Index 0), exactly as
    /// <see cref="IngestOrders.Handler.HandleAsync"/> of this one order would have answered.</summary>
    public async Task<ItemResult> WriteAsync(Actor actor, OrderRequest request, CancellationToken ct)
    {
        var pending = new Pending(actor, request, new TaskCompletionSource<ItemResult>(TaskCreationOptions.RunContinuationsAsynchronously), ct);
        if (!_queue.Writer.TryWrite(pending)) throw new ObjectDisposedException(nameof(OrderWriter), "The order writer has stopped.");
        return await pending.Done.Task;
    }

    /// <summary>Writes these orders as one batch, as the loop does when they arrive together — for tests, which need to
    /// know what shares a batch. Runs beside the loop; the caller sees to it that nothing else is queued meanwhile.</summary>
    internal async Task<ItemResult[]> WriteTogetherAsync(Actor actor, IReadOnlyList<OrderRequest> requests)
    {
        var items = requests.Select(r => new Pending(actor, r, new TaskCompletionSource<ItemResult>(TaskCreationOptions.RunContinuationsAsynchronously), default)).ToList();
        await WriteBatchAsync(actor, items);
        return await Task.WhenAll(items.Select(i => i.Done.Task));
    }

    private async Task RunAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var pending))
            {
                // A caller that has gone before its order was taken gets nothing written, as when its request was cancelled
                // before the handler ran. Once taken, the order is written whatever the caller does (it may be retried).
                if (pending.RequestAborted.IsCancellationRequested) pending.Done.TrySetCanceled(pending.RequestAborted);
                else batch.Add(pending);
            }
            // Brands never share a unit of work (query filter and write guard act for one brand), nor do senders (the
            // handler records its actor on what it writes).
            foreach (var group in batch.GroupBy(p => Sender.Of(p.Actor)))
                await WriteBatchAsync(group.First().Actor, group.ToList());
            batch.Clear();
        }
    }

    private async Task WriteBatchAsync(Actor actor, List<Pending> items)
    {
        InterlockedMax(ref _largestBatch, items.Count);
        IReadOnlyList<ItemResult> results;
        try
        {
            results = await IngestAsync(actor, items.Select(i => i.Request).ToList());
        }
        catch (Exception ex) when (items.Count > 1)
        {
            // The handler settles races and bad items itself; an exception is something else (the database gone, a bug),
            // and nothing of the batch was committed. Each order alone then fails alone, as it would have without the writer.
            if (_logger.IsEnabled(LogLevel.Warning))
                _logger.LogWarning(ex, "A batch of {Count} orders failed; writing them one by one.", items.Count);
            foreach (var item in items)
            {
                try
                {
                    item.Done.TrySetResult((await IngestAsync(actor, [item.Request]))[0]);
                }
                catch (Exception alone)
                {
                    item.Done.TrySetException(alone);
                }
            }
            return;
        }
        catch (Exception ex)
        {
            items[0].Done.TrySetException(ex);
            return;
        }
        // Each request gets its own result, numbered as if it had been sent alone.
        for (var i = 0; i < items.Count; i++) items[i].Done.TrySetResult(results[i] with { Index = 0 });
    }

    /// <summary>The handler in a fresh scope (its own DbContext, change tracker and audit actor) for the sender's brand.</summary>
    private async Task<IReadOnlyList<ItemResult>> IngestAsync(Actor actor, IReadOnlyList<OrderRequest> requests)
    {
        await using var scope = _scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(actor.TenantId);
        scope.ServiceProvider.GetRequiredService<ActorContext>().Current = actor;
        // Not the callers' tokens: one caller going away must not abort the others' orders.
        return await scope.ServiceProvider.GetRequiredService<Handler>().HandleAsync(requests, null, CancellationToken.None);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen && Interlocked.CompareExchange(ref target, value, seen) is var now && now != seen) seen = now;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }
}
