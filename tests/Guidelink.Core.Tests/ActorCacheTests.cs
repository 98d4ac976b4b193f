using Guidelink.Core.Features.Access;
using Guidelink.Core.Shared;
using Microsoft.Extensions.Time.Testing;

namespace Guidelink.Core.Tests;

/// <summary>The per-person actor cache: reused within its time, rebuilt after it, never keeps an actor read before an
/// invalidation, never lets a wrong API-key secret in.</summary>
public sealed class ActorCacheTests
{
    private static readonly TenantId Brand = new(Guid.CreateVersion7());
    private static readonly StaffId Guide = new(Guid.CreateVersion7());
    private static readonly ActorCache.Key GuideKey = ActorCache.Key.ForStaff(Brand, Guide);

    private static Actor ActorNamed(string name) =>
        new(ActorKind.Staff, Brand, name, Guide, null, null, new HashSet<string>(), AccessScope.BrandWide);

    [Fact]
    public async Task AnActor_IsReusedWithinTheCacheTime_AndRebuiltAfterIt()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var cache = new ActorCache(clock, TimeSpan.FromSeconds(5));
        var builds = 0;
        Task<Actor?> Build() => Task.FromResult<Actor?>(ActorNamed($"build {++builds}"));

        (await cache.GetOrBuildAsync(GuideKey, Build))!.Name.ShouldBe("build 1");
        clock.Advance(TimeSpan.FromSeconds(4.9));
        (await cache.GetOrBuildAsync(GuideKey, Build))!.Name.ShouldBe("build 1");
        clock.Advance(TimeSpan.FromSeconds(0.1));
        (await cache.GetOrBuildAsync(GuideKey, Build))!.Name.ShouldBe("build 2");
        cache.Invalidate([GuideKey]);
        (await cache.GetOrBuildAsync(GuideKey, Build))!.Name.ShouldBe("build 3");
    }

    [Fact]
    public async Task ARefusal_IsNotKept()
    {
        var cache = new ActorCache(new FakeTimeProvider(DateTimeOffset.UtcNow), TimeSpan.FromSeconds(5));
        (await cache.GetOrBuildAsync(GuideKey, () => Task.FromResult<Actor?>(null))).ShouldBeNull();
        (await cache.GetOrBuildAsync(GuideKey, () => Task.FromResult<Actor?>(ActorNamed("now allowed"))))!.Name.ShouldBe("now allowed");
    }

    [Fact]
    public async Task AnActorReadBeforeAnInvalidation_IsNotKept()
    {
        var cache = new ActorCache(new FakeTimeProvider(DateTimeOffset.UtcNow), TimeSpan.FromSeconds(5));
        var reading = new TaskCompletionSource<Actor?>(TaskCreationOptions.RunContinuationsAsynchronously);

        // A request reads the old row; meanwhile the change commits and invalidates; then the read answers.
        var stale = cache.GetOrBuildAsync(GuideKey, () => reading.Task).AsTask();
        cache.Invalidate([GuideKey]);
        reading.SetResult(ActorNamed("before the change"));
        (await stale)!.Name.ShouldBe("before the change"); // that request itself raced the change, as without a cache

        (await cache.GetOrBuildAsync(GuideKey, () => Task.FromResult<Actor?>(ActorNamed("after the change"))))!.Name.ShouldBe("after the change");
    }

    [Fact]
    public async Task ACachedApiKey_StillChecksTheSecretOfEveryRequest()
    {
        var cache = new ActorCache(new FakeTimeProvider(DateTimeOffset.UtcNow), TimeSpan.FromSeconds(5));
        var (key, plain) = ApiKey.Create(Brand, "POS", ["org.read"], DateTimeOffset.UtcNow);
        var prefix = ApiKey.PrefixOf(plain)!;
        var actor = new Actor(ActorKind.ApiKey, Brand, "api-key:POS", null, key.Id, null, key.ScopeSet, AccessScope.BrandWide);
        Task<(Actor?, ApiKey?)> Lookup(string presented) => Task.FromResult(key.Matches(presented) ? ((Actor?)actor, (ApiKey?)key) : (null, null));

        (await cache.GetOrBuildApiKeyAsync(prefix, plain, () => Lookup(plain))).ShouldBe(actor);
        var forged = plain[..^1] + (plain[^1] == 'a' ? 'b' : 'a');
        (await cache.GetOrBuildApiKeyAsync(prefix, forged, () => Lookup(forged))).ShouldBeNull();
        (await cache.GetOrBuildApiKeyAsync(prefix, plain, () => Lookup(plain))).ShouldBe(actor);
    }

    [Fact]
    public async Task ACacheTimeOfZero_RebuildsEveryTime()
    {
        var cache = new ActorCache(new FakeTimeProvider(DateTimeOffset.UtcNow), TimeSpan.Zero);
        var builds = 0;
        await cache.GetOrBuildAsync(GuideKey, () => Task.FromResult<Actor?>(ActorNamed($"{++builds}")));
        await cache.GetOrBuildAsync(GuideKey, () => Task.FromResult<Actor?>(ActorNamed($"{++builds}")));
        builds.ShouldBe(2);
    }
}
