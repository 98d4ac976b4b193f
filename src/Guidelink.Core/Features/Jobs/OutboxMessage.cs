using System.Text.Json;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Core.Features.Jobs;

/// <summary>Work that must follow a commit (send a payout, notify a guide): written in the same transaction
/// as the change that causes it, then handed to its <see cref="IOutboxHandler"/> by the job runner, at least
/// once — handlers are idempotent.</summary>
public sealed class OutboxMessage : ITenantOwned
{
    private OutboxMessage() { }

    public TenantId TenantId { get; private set; }
    public Guid Id { get; private set; }
    public string Type { get; private set; } = "";
    public string Payload { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset AvailableAt { get; private set; }
    public int Attempts { get; private set; }
    public string? LastError { get; private set; }
    public DateTimeOffset? ProcessedAt { get; private set; }
    public string? ClaimedBy { get; private set; }
    public DateTimeOffset? ClaimedUntil { get; private set; }

    public T Read<T>() => JsonSerializer.Deserialize<T>(Payload) ?? throw new InvalidOperationException($"Outbox message {Id} has an empty payload.");

    internal static OutboxMessage Create(TenantId tenant, string type, string payload, DateTimeOffset now) => new()
    {
        TenantId = tenant,
        Id = Guid.CreateVersion7(),
        Type = type,
        Payload = payload,
        CreatedAt = now,
        AvailableAt = now,
    };
}

public static class Outbox
{
    /// <summary>Adds a message to the current unit of work; it is sent only if that unit commits.</summary>
    public static OutboxMessage Enqueue<T>(GuidelinkDb db, TenantId tenant, string type, T payload, DateTimeOffset now)
    {
        var message = OutboxMessage.Create(tenant, type, JsonSerializer.Serialize(payload), now);
        db.OutboxMessages.Add(message);
        return message;
    }
}

/// <summary>Handles one type of outbox message. Must be idempotent: a crash after the work but before the
/// message is marked done hands it out again.</summary>
public interface IOutboxHandler
{
    string Type { get; }
    Task HandleAsync(OutboxMessage message, IServiceProvider scopedServices, CancellationToken ct);
}

/// <summary>A piece of scheduled work (settlement, reconciliation, reminders, rollups). Runs once per due
/// occurrence across all server instances. Must be safe to run again after a crash mid-run.</summary>
public interface IScheduledJob
{
    string Name { get; }
    /// <summary>Cron expression (UTC), e.g. "*/5 * * * *"; six fields allow seconds.</summary>
    string Cron { get; }
    Task RunAsync(IServiceProvider scopedServices, DateTimeOffset dueAt, CancellationToken ct);
}

/// <summary>Scheduled jobs run for the whole platform; most of their work is one brand's at a time.</summary>
public static class EveryBrand
{
    /// <summary>Runs <paramref name="work"/> once per brand, each in its own scope with that brand's tenant context and a
    /// system actor named <paramref name="actorName"/> (for the audit log).</summary>
    public static async Task RunAsync(IServiceProvider scopedServices, string actorName, Func<IServiceProvider, Task> work, CancellationToken ct)
    {
        var db = scopedServices.GetRequiredService<GuidelinkDb>();
        var brands = await db.Tenants.AsNoTracking().Select(t => t.Id).ToListAsync(ct);
        foreach (var brand in brands)
        {
            await using var scope = scopedServices.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<TenantContext>().Set(brand);
            scope.ServiceProvider.GetRequiredService<Access.ActorContext>().Current = Access.Actor.System(brand, actorName);
            await work(scope.ServiceProvider);
        }
    }
}
