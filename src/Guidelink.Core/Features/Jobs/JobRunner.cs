using Cronos;
using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Guidelink.Core.Features.Jobs;

public sealed class JobRunnerOptions
{
    public bool Enabled { get; set; } = true;
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>How long a claim holds before another instance may take the work over (crash recovery).</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(5);
    public int OutboxBatch { get; set; } = 50;
}

/// <summary>The one background runner for scheduled jobs and the outbox. Every instance runs it; the
/// database decides which instance does a given piece of work (row claims by conditional UPDATE), so
/// nothing depends on process memory that two instances could disagree on.</summary>
public sealed class JobRunner(
    IServiceScopeFactory scopes,
    IEnumerable<IScheduledJob> jobs,
    IEnumerable<IOutboxHandler> handlers,
    IOptions<JobRunnerOptions> options,
    TimeProvider clock,
    ILogger<JobRunner> logger) : BackgroundService
{
    private readonly JobRunnerOptions _options = options.Value;
    private readonly Dictionary<string, IOutboxHandler> _handlers = handlers.ToDictionary(h => h.Type, StringComparer.Ordinal);

    /// <summary>Names this instance in claims, so a stuck claim can be traced to its holder.</summary>
    public string InstanceId { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunDueJobsAsync(stoppingToken);
                await DispatchOutboxAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Job runner pass failed; retrying on the next tick");
            }
            try { await Task.Delay(_options.PollInterval, clock, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>One pass over the scheduled jobs: claim each due one and run it. Public so tests and the
    /// CLI can drive the runner without waiting for the timer.</summary>
    public async Task RunDueJobsAsync(CancellationToken ct)
    {
        foreach (var job in jobs)
        {
            var schedule = CronExpression.Parse(job.Cron, job.Cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GuidelinkDb>();
            var now = clock.GetUtcNow();
            await EnsureLeaseAsync(db, job.Name, schedule, now, ct);

            var lockedUntil = now + _options.Lease;
            var claimed = await db.JobLeases
                .Where(l => l.Name == job.Name && l.NextRunAt <= now && (l.LockedUntil == null || l.LockedUntil < now))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(l => l.LockedBy, InstanceId)
                    .SetProperty(l => l.LockedUntil, lockedUntil)
                    .SetProperty(l => l.LastStartedAt, now), ct);
            if (claimed != 1) continue;

            var dueAt = await db.JobLeases.Where(l => l.Name == job.Name).Select(l => l.NextRunAt).SingleAsync(ct);
            string? error = null;
            try
            {
                await using var jobScope = scopes.CreateAsyncScope();
                await job.RunAsync(jobScope.ServiceProvider, dueAt, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                error = ex.Message;
                logger.LogError(ex, "Scheduled job {Job} failed", job.Name);
            }

            var finished = clock.GetUtcNow();
            var next = schedule.GetNextOccurrence(finished.UtcDateTime) is { } n ? new DateTimeOffset(n, TimeSpan.Zero) : finished.AddYears(100);
            await db.JobLeases
                .Where(l => l.Name == job.Name && l.LockedBy == InstanceId)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(l => l.NextRunAt, next)
                    .SetProperty(l => l.LockedBy, (string?)null)
                    .SetProperty(l => l.LockedUntil, (DateTimeOffset?)null)
                    .SetProperty(l => l.LastFinishedAt, finished)
                    .SetProperty(l => l.LastError, error)
                    .SetProperty(l => l.RunCount, l => l.RunCount + 1), ct);
        }
    }

    private static async Task EnsureLeaseAsync(GuidelinkDb db, string name, CronExpression schedule, DateTimeOffset now, CancellationToken ct)
    {
        if (await db.JobLeases.AnyAsync(l => l.Name == name, ct)) return;
        var first = schedule.GetNextOccurrence(now.UtcDateTime) is { } n ? new DateTimeOffset(n, TimeSpan.Zero) : now;
        db.JobLeases.Add(JobLease.Create(name, first));
        try { await db.SaveChangesAsync(ct); }
        catch (DbUpdateException) { db.ChangeTracker.Clear(); } // another instance created it first
    }

    /// <summary>One pass over the outbox: claim due messages one by one and hand each to its handler.</summary>
    public async Task<int> DispatchOutboxAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GuidelinkDb>();
        var now = clock.GetUtcNow();
        var candidates = await db.OutboxMessages.IgnoreQueryFilters()
            .Where(m => m.ProcessedAt == null && m.AvailableAt <= now && (m.ClaimedUntil == null || m.ClaimedUntil < now))
            .OrderBy(m => m.AvailableAt)
            .Select(m => new { m.TenantId, m.Id })
            .Take(_options.OutboxBatch)
            .ToListAsync(ct);

        var handled = 0;
        foreach (var candidate in candidates)
        {
            var claimedUntil = clock.GetUtcNow() + _options.Lease;
            var claimed = await db.OutboxMessages.IgnoreQueryFilters()
                .Where(m => m.TenantId == candidate.TenantId && m.Id == candidate.Id && m.ProcessedAt == null && (m.ClaimedUntil == null || m.ClaimedUntil < now))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(m => m.ClaimedBy, InstanceId)
                    .SetProperty(m => m.ClaimedUntil, claimedUntil)
                    .SetProperty(m => m.Attempts, m => m.Attempts + 1), ct);
            if (claimed != 1) continue;
            await HandleOneAsync(candidate.TenantId, candidate.Id, ct);
            handled++;
        }
        return handled;
    }

    private async Task HandleOneAsync(Shared.TenantId tenant, Guid id, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(tenant);
        scope.ServiceProvider.GetRequiredService<ActorContext>().Current = Actor.System(tenant, "job-runner");
        var db = scope.ServiceProvider.GetRequiredService<GuidelinkDb>();
        var message = await db.OutboxMessages.AsNoTracking().SingleAsync(m => m.Id == id, ct);

        string? error = null;
        if (!_handlers.TryGetValue(message.Type, out var handler)) error = $"No handler for outbox type '{message.Type}'.";
        else
        {
            try { await handler.HandleAsync(message, scope.ServiceProvider, ct); }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                error = ex.Message;
                logger.LogWarning(ex, "Outbox message {Id} ({Type}) failed, attempt {Attempt}", id, message.Type, message.Attempts);
            }
        }

        var now = clock.GetUtcNow();
        if (error is null)
        {
            await db.OutboxMessages.Where(m => m.Id == id && m.ClaimedBy == InstanceId)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(m => m.ProcessedAt, now)
                    .SetProperty(m => m.ClaimedUntil, (DateTimeOffset?)null)
                    .SetProperty(m => m.LastError, (string?)null), ct);
        }
        else
        {
            // Exponential back-off, capped at an hour, so a broken dependency is not hammered.
            var delay = TimeSpan.FromSeconds(Math.Min(3600, Math.Pow(2, Math.Min(message.Attempts, 12))));
            var availableAt = now + delay;
            await db.OutboxMessages.Where(m => m.Id == id && m.ClaimedBy == InstanceId)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(m => m.AvailableAt, availableAt)
                    .SetProperty(m => m.ClaimedUntil, (DateTimeOffset?)null)
                    .SetProperty(m => m.LastError, error), ct);
        }
    }
}
