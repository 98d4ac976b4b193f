namespace Guidelink.Core.Features.Jobs;

/// <summary>One row per scheduled job: which instance holds it and when it is next due. A platform
/// table (jobs run for every brand). Claiming is a conditional UPDATE, so across any number of server
/// instances exactly one runs each due occurrence.</summary>
public sealed class JobLease
{
    private JobLease() { }

    public string Name { get; private set; } = "";
    public DateTimeOffset NextRunAt { get; private set; }
    public string? LockedBy { get; private set; }
    public DateTimeOffset? LockedUntil { get; private set; }
    public DateTimeOffset? LastStartedAt { get; private set; }
    public DateTimeOffset? LastFinishedAt { get; private set; }
    public string? LastError { get; private set; }
    public long RunCount { get; private set; }

    public static JobLease Create(string name, DateTimeOffset nextRunAt) => new() { Name = name, NextRunAt = nextRunAt };
}
