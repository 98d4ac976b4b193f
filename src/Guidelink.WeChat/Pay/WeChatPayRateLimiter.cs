using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace Guidelink.WeChat.Pay;

/// <summary>WeChat Pay allows a merchant 100 requests per second across the transfer-bills API
/// (FREQUENCY_LIMITED beyond). This is the in-process half of that rule: every request of this process for a merchant
/// waits here for a permit. The other half — one sender per merchant across instances — belongs to the Payouts job,
/// which claims a merchant's work so two instances never send for the same merchant at once.
/// <para>A token bucket of <see cref="Burst"/> tokens refilled by <see cref="TokensPerTick"/> every
/// <see cref="Tick"/> lets through at most Burst + 10 × TokensPerTick = 100 requests in any one-second interval, however
/// WeChat's seconds are aligned (a plain 100-per-second window could let 200 through across a boundary).
/// Refills are driven by the injected <see cref="TimeProvider"/>, so tests can check the rule with a fake clock.</para></summary>
public sealed class WeChatPayRateLimiter : IDisposable
{
    public const int Burst = 10;
    public const int TokensPerTick = 9;
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    private readonly ConcurrentDictionary<string, TokenBucketRateLimiter> _limiters = new(StringComparer.Ordinal);
    private readonly ITimer _timer;

    public WeChatPayRateLimiter(TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _timer = clock.CreateTimer(_ => Replenish(), null, Tick, Tick);
    }

    /// <summary>Waits for a permit to send one request for <paramref name="mchId"/>.</summary>
    public async ValueTask AcquireAsync(string mchId, CancellationToken ct)
    {
        var limiter = _limiters.GetOrAdd(mchId, static _ => new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = Burst,
            TokensPerPeriod = TokensPerTick,
            ReplenishmentPeriod = Tick,
            // Refilled by our TimeProvider timer, not the limiter's own real-time timer.
            AutoReplenishment = false,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        }));
        using var lease = await limiter.AcquireAsync(1, ct);
        if (!lease.IsAcquired) throw new InvalidOperationException("The WeChat Pay rate limiter refused a permit.");
    }

    private void Replenish()
    {
        foreach (var limiter in _limiters.Values) limiter.TryReplenish();
    }

    public void Dispose()
    {
        _timer.Dispose();
        foreach (var limiter in _limiters.Values) limiter.Dispose();
    }
}
