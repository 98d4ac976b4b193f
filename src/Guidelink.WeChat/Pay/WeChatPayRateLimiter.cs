using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace Guidelink.WeChat.Pay;

/// <summary>WeChat Pay allows a merchant 100 requests per second on the transfer-bills API (FREQUENCY_LIMITED beyond).
/// This is the in-process half of that rule: every request of this process for a merchant first takes a permit here.
/// The other half — one sender per merchant across instances — belongs to the Payouts job, which claims a merchant's
/// work so that two instances never send for the same merchant at once.
/// <para>Each merchant gets a <see cref="SlidingLogRateLimiter"/> of 100 permits per second: at most 100 grants in any
/// one-second interval, however WeChat's seconds are aligned (a fixed 100-per-second window could let 200 through
/// across a boundary). It runs on the injected <see cref="TimeProvider"/>; the built-in limiters measure time with
/// Stopwatch, which a test clock cannot drive.</para></summary>
public sealed class WeChatPayRateLimiter(TimeProvider clock) : IDisposable
{
    public const int PermitsPerSecond = 100;

    private readonly ConcurrentDictionary<string, SlidingLogRateLimiter> _limiters = new(StringComparer.Ordinal);

    /// <summary>Waits (first come, first served) for a permit to send one request for <paramref name="mchId"/>.</summary>
    public async ValueTask AcquireAsync(string mchId, CancellationToken ct)
    {
        using var lease = await Limiter(mchId).AcquireAsync(1, ct);
        if (!lease.IsAcquired) throw new InvalidOperationException("The WeChat Pay rate limiter refused a permit.");
    }

    /// <summary>Takes a permit only if one is free now (tests observe the budget with it).</summary>
    internal bool TryAcquire(string mchId)
    {
        using var lease = Limiter(mchId).AttemptAcquire(1);
        return lease.IsAcquired;
    }

    private SlidingLogRateLimiter Limiter(string mchId) =>
        _limiters.GetOrAdd(mchId, _ => new SlidingLogRateLimiter(PermitsPerSecond, TimeSpan.FromSeconds(1), clock));

    public void Dispose()
    {
        foreach (var limiter in _limiters.Values) limiter.Dispose();
    }
}

/// <summary>A <see cref="RateLimiter"/> that grants at most <c>permitLimit</c> permits in any half-open interval of
/// length <c>window</c>, on a <see cref="TimeProvider"/>. Each request reserves the earliest slot at which that holds
/// (the slot of the grant <c>permitLimit</c> places earlier, plus the window), so waiters are served in arrival order
/// and the limit is exact. A cancelled waiter's slot stays used: that may cost throughput, never exceed the limit.</summary>
public sealed class SlidingLogRateLimiter : RateLimiter
{
    private readonly int _permitLimit;
    private readonly TimeSpan _window;
    private readonly TimeProvider _clock;
    private readonly Lock _gate = new();
    private readonly Queue<DateTimeOffset> _slots = new();
    private long _granted;
    private long _failed;

    public SlidingLogRateLimiter(int permitLimit, TimeSpan window, TimeProvider clock)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(permitLimit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(clock);
        _permitLimit = permitLimit;
        _window = window;
        _clock = clock;
    }

    public override TimeSpan? IdleDuration => null;

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_gate)
        {
            var now = _clock.GetUtcNow();
            return new RateLimiterStatistics
            {
                CurrentAvailablePermits = _permitLimit - _slots.Count(s => s > now - _window),
                CurrentQueuedCount = _slots.Count(s => s > now),
                TotalSuccessfulLeases = _granted,
                TotalFailedLeases = _failed,
            };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        Check(permitCount);
        if (permitCount == 0) return Lease.Acquired;
        lock (_gate)
        {
            var now = _clock.GetUtcNow();
            if (Earliest(now) > now)
            {
                _failed++;
                return Lease.Refused;
            }
            Reserve(now);
            return Lease.Acquired;
        }
    }

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        Check(permitCount);
        if (permitCount == 0) return Lease.Acquired;
        DateTimeOffset now, slot;
        lock (_gate)
        {
            now = _clock.GetUtcNow();
            slot = Earliest(now);
            Reserve(slot);
        }
        if (slot > now) await Task.Delay(slot - now, _clock, cancellationToken);
        return Lease.Acquired;
    }

    private static void Check(int permitCount)
    {
        // One permit is one request; larger counts are not needed and would complicate the slot log.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(permitCount, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(permitCount);
    }

    /// <summary>The earliest slot that keeps both rules: at most permitLimit slots in any window, and slots in
    /// request order (never before the last reserved one).</summary>
    private DateTimeOffset Earliest(DateTimeOffset now)
    {
        var earliest = now;
        if (_slots.Count > 0 && _slots.Last() > earliest) earliest = _slots.Last();
        if (_slots.Count == _permitLimit && _slots.Peek() + _window > earliest) earliest = _slots.Peek() + _window;
        return earliest;
    }

    private void Reserve(DateTimeOffset slot)
    {
        if (_slots.Count == _permitLimit) _slots.Dequeue();
        _slots.Enqueue(slot);
        _granted++;
    }

    private sealed class Lease(bool acquired) : RateLimitLease
    {
        public static readonly Lease Acquired = new(true);
        public static readonly Lease Refused = new(false);

        public override bool IsAcquired => acquired;
        public override IEnumerable<string> MetadataNames => [];
        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
