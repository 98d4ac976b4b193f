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

    [Fact]
    public async Task Limiter_OnAFakeClock_NeverLetsMoreThan100ThroughInAnySecond()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        using var limiter = new WeChatPayRateLimiter(clock);
        var grants = new List<TimeSpan>();
        var pending = new List<Task>();
        var start = clock.GetUtcNow();
        // A sender that always wants more: 400 requests queued at once, the clock walked in 10 ms steps for 3 s.
        var order = new ConcurrentQueue<int>();
        for (var i = 0; i < 400; i++)
        {
            var n = i;
            pending.Add(limiter.AcquireAsync("1900000109", Ct).AsTask().ContinueWith(_ => order.Enqueue(n), Ct, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));
        }
        var completed = 0;
        for (var step = 0; step <= 300; step++)
        {
            await WaitUntilSettledAsync(pending);
            var now = pending.Count(t => t.IsCompleted);
            for (var k = completed; k < now; k++) grants.Add(clock.GetUtcNow() - start);
            completed = now;
            clock.Advance(TimeSpan.FromMilliseconds(10));
        }

        grants.Count.ShouldBeGreaterThan(250); // it does let traffic through: 10 + 9 per 100 ms
        grants.Count.ShouldBeLessThan(300);
        for (var i = 0; i < grants.Count; i++)
            grants.Count(g => g >= grants[i] && g < grants[i] + TimeSpan.FromSeconds(1)).ShouldBeLessThanOrEqualTo(100);
        order.Take(20).ShouldBe(Enumerable.Range(0, 20)); // first come, first served
        // Another merchant has its own budget.
        (await Task.WhenAny(limiter.AcquireAsync("1900000110", Ct).AsTask(), Task.Delay(5000, Ct))).IsCompletedSuccessfully.ShouldBeTrue();
    }

    [Fact]
    public async Task Limiter_OnAFakeClock_ReleasesTheEleventhRequestOnlyAfterOneTick()
    {
        var clock = new FakeTimeProvider();
        using var limiter = new WeChatPayRateLimiter(clock);
        for (var i = 0; i < WeChatPayRateLimiter.Burst; i++) limiter.AcquireAsync("m", Ct).AsTask().IsCompleted.ShouldBeTrue();
        var eleventh = limiter.AcquireAsync("m", Ct).AsTask();
        clock.Advance(TimeSpan.FromMilliseconds(99));
        await Task.Delay(50, Ct);
        eleventh.IsCompleted.ShouldBeFalse();
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await eleventh.WaitAsync(TimeSpan.FromSeconds(5), Ct);
    }

    [Fact]
    public async Task Provider_UnderLoad_SendsAtMost100PerSecond_InRealTime()
    {
        await using var h = await Harness.StartAsync();
        var merchant = h.Merchant();
        var watch = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, 150).Select(i => h.Provider.QueryAsync(merchant, $"R{i:D4}", Ct)));
        watch.Stop();

        results.ShouldAllBe(r => r.State == TransferState.NotFound);
        var arrivals = h.Fake.Requests.Select(r => r.ReceivedAt).Order().ToList();
        arrivals.Count.ShouldBe(150);
        // 10 at once, then 9 per 100 ms: 150 requests need about 1.6 s; unlimited they would take a fraction of that.
        watch.Elapsed.ShouldBeGreaterThan(TimeSpan.FromSeconds(1.4));
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(20));
        // Counted where WeChat counts (arrival), with 50 ms of slack for network jitter between send and arrival.
        for (var i = 0; i < arrivals.Count; i++)
            arrivals.Count(a => a >= arrivals[i] && a < arrivals[i] + TimeSpan.FromMilliseconds(950)).ShouldBeLessThanOrEqualTo(100);
    }

    private static async Task WaitUntilSettledAsync(List<Task> tasks)
    {
        // Continuations of granted permits run on the thread pool; give them a moment to be observed.
        var before = -1;
        for (var i = 0; i < 100; i++)
        {
            var now = tasks.Count(t => t.IsCompleted);
            if (now == before) return;
            before = now;
            await Task.Delay(2);
        }
    }
}
