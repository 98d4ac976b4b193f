using System.Collections.Concurrent;
using System.Diagnostics;
using Guidelink.Core.Features.Payouts;
using Guidelink.WeChat.Pay;
using Microsoft.Extensions.Time.Testing;

namespace Guidelink.WeChat.Tests;

/// <summary>At most 100 requests per second per merchant leave this process.</summary>
public sealed class RateLimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>How long the released waiters may take to run on a loaded machine: an upper bound, not part of the check
    /// (which is how many got through, and in what order, at each step of the fake clock).</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public void Limiter_OnAFakeClock_NeverLetsMoreThan100ThroughInAnySecond_AndUsesTheWholeBudget()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        using var limiter = new WeChatPayRateLimiter(clock);
        var grants = new List<TimeSpan>();
        var start = clock.GetUtcNow();
        // A sender that always wants more: every 10 ms for 3.5 s it takes every permit there is.
        for (var step = 0; step < 350; step++)
        {
            while (limiter.TryAcquire("1900000109")) grants.Add(clock.GetUtcNow() - start);
            clock.Advance(TimeSpan.FromMilliseconds(10));
        }

        grants.Count.ShouldBe(400); // 100 at 0 s, 1 s, 2 s and 3 s
        for (var i = 0; i < grants.Count; i++)
            grants.Count(g => g >= grants[i] && g < grants[i] + TimeSpan.FromSeconds(1)).ShouldBeLessThanOrEqualTo(100);
        // Another merchant has its own budget.
        limiter.TryAcquire("1900000110").ShouldBeTrue();
    }

    [Fact]
    public void Limiter_SpreadTraffic_IsLimitedOverTheSlidingSecond_NotPerCalendarSecond()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        using var limiter = new WeChatPayRateLimiter(clock);
        clock.Advance(TimeSpan.FromMilliseconds(900));
        for (var i = 0; i < 100; i++) limiter.TryAcquire("m").ShouldBeTrue();
        // A new calendar second has begun, but the last 100 were less than a second ago.
        clock.Advance(TimeSpan.FromMilliseconds(200));
        limiter.TryAcquire("m").ShouldBeFalse();
        clock.Advance(TimeSpan.FromMilliseconds(799));
        limiter.TryAcquire("m").ShouldBeFalse();
        clock.Advance(TimeSpan.FromMilliseconds(1));
        limiter.TryAcquire("m").ShouldBeTrue();
    }

    [Fact]
    public async Task Limiter_QueuedRequests_WaitForTheirSlot_InArrivalOrder()
    {
        var clock = new FakeTimeProvider();
        using var limiter = new WeChatPayRateLimiter(clock);
        var order = new ConcurrentQueue<int>();
        var waiting = Enumerable.Range(0, 250).Select(async n =>
        {
            await limiter.AcquireAsync("m", Ct);
            order.Enqueue(n);
        }).ToList();
        await Task.WhenAll(waiting.Take(100)).WaitAsync(Bound, Ct);
        clock.Advance(TimeSpan.FromMilliseconds(999));
        await Task.Delay(100, Ct);
        order.Count.ShouldBe(100);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await Task.WhenAll(waiting.Take(200)).WaitAsync(Bound, Ct);
        order.Count.ShouldBe(200);
        clock.Advance(TimeSpan.FromSeconds(1));
        await Task.WhenAll(waiting).WaitAsync(Bound, Ct);
        order.Take(100).ShouldBe(Enumerable.Range(0, 100), ignoreOrder: true);
        order.Skip(100).Take(100).ShouldBe(Enumerable.Range(100, 100), ignoreOrder: true);
    }

    [Fact]
    public async Task Provider_UnderLoad_SendsAtMost100PerSecond_InRealTime()
    {
        await using var h = await Harness.StartAsync();
        var merchant = h.Merchant();
        var start = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, 250).Select(i => h.Provider.QueryAsync(merchant, $"R{i:D4}", Ct)));
        watch.Stop();

        results.ShouldAllBe(r => r.State == TransferState.NotFound);
        var arrivals = h.Fake.Requests.Select(r => r.ReceivedAt).ToList();
        arrivals.Count.ShouldBe(250);
        // Permits 101–200 are granted no earlier than a second after the first 100, 201–250 two seconds after.
        arrivals.Count(a => a < start + TimeSpan.FromSeconds(1)).ShouldBeLessThanOrEqualTo(100);
        arrivals.Count(a => a < start + TimeSpan.FromSeconds(2)).ShouldBeLessThanOrEqualTo(200);
        watch.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1.9));
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(30));
    }
}
