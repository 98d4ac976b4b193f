using System.Collections.Concurrent;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Features.Access;

/// <summary>Keeps each built <see cref="Actor"/> for a short time (<c>Guidelink:Access:ActorCacheSeconds</c>, default 5 s;
/// 0 turns it off), because rebuilding it from the database on every request cost more than a whole bare insert
/// (bench/README.md, Connect). Correctness rests on two rules (ADR 0003):
/// <list type="bullet">
/// <item>in this instance, every commit that changes a person's role, placement, status, login or key drops their entry
/// at once (<see cref="ActorCacheInvalidation"/> watches the rows, whatever use case writes them);</item>
/// <item>on other instances, which cannot see that commit, the entry lives at most the TTL — the accepted staleness.</item>
/// </list>
/// Only actors are kept, never refusals: a person refused once is asked about again on the next request.</summary>
public sealed class ActorCache(TimeProvider clock, TimeSpan ttl)
{
    /// <summary>Above this many entries, expired ones are swept on the next store (people who stopped calling).</summary>
    private const int SweepAbove = 10_000;

    private readonly ConcurrentDictionary<Key, Entry> _entries = new();

    /// <summary>Bumped by every invalidation: an actor read from the database before an invalidation may predate the
    /// change, so it is not kept (see <see cref="GetOrBuildCoreAsync"/>).</summary>
    private long _generation;

    public TimeSpan Ttl => ttl;

    /// <summary>Who an entry is for. Staff and partners by brand and id; API keys by their platform-wide prefix (the brand
    /// is not known before the key is found).</summary>
    public readonly record struct Key(ActorKind Kind, Guid Tenant, Guid Id, string? Prefix = null)
    {
        public static Key ForStaff(TenantId tenant, StaffId staff) => new(ActorKind.Staff, tenant.Value, staff.Value);
        public static Key ForPartner(TenantId tenant, PartnerId partner) => new(ActorKind.Partner, tenant.Value, partner.Value);
        public static Key ForApiKey(string prefix) => new(ActorKind.ApiKey, Guid.Empty, Guid.Empty, prefix);
    }

    /// <summary>An actor and, for an API key, the hash its secret must match (checked on every hit, so a cached key
    /// never lets a wrong secret in).</summary>
    private sealed record Entry(Actor Actor, ApiKey? Key, DateTimeOffset Expires);

    public async ValueTask<Actor?> GetOrBuildAsync(Key key, Func<Task<Actor?>> build) =>
        (await GetOrBuildCoreAsync(key, async () => (await build(), (ApiKey?)null), null)).Actor;

    /// <summary>The API key's actor: from the cache when the key row is known and the secret matches it, else from
    /// <paramref name="build"/> (which returns the row it checked the secret against).</summary>
    public async ValueTask<Actor?> GetOrBuildApiKeyAsync(string prefix, string plainKey, Func<Task<(Actor? Actor, ApiKey? Key)>> build) =>
        (await GetOrBuildCoreAsync(Key.ForApiKey(prefix), build, plainKey)).Actor;

    private async ValueTask<(Actor? Actor, ApiKey? Key)> GetOrBuildCoreAsync(Key key, Func<Task<(Actor?, ApiKey?)>> build, string? plainKey)
    {
        var now = clock.GetUtcNow();
        if (ttl <= TimeSpan.Zero) return await build();
        if (_entries.TryGetValue(key, out var hit) && hit.Expires > now && (plainKey is null || hit.Key?.Matches(plainKey) == true))
            return (hit.Actor, hit.Key);

        // Read the generation before the database: if anything is invalidated while we read, our actor may be older than
        // that change and must not be kept.
        var generation = Interlocked.Read(ref _generation);
        var (actor, apiKey) = await build();
        // A refusal leaves any entry alone: it is expired already, or (an API key with a wrong secret) it belongs to the
        // right secret, which a wrong guess must not evict.
        if (actor is null) return (null, apiKey);
        var entry = new Entry(actor, apiKey, now + ttl);
        if (_entries.Count > SweepAbove) Sweep(now);
        _entries[key] = entry;
        // An invalidation may have slipped in between the check and the store: then take our entry back out. (The
        // invalidation bumps the generation before removing, so either it removes our entry or we see the new generation.)
        if (Interlocked.Read(ref _generation) != generation) _entries.TryRemove(new KeyValuePair<Key, Entry>(key, entry));
        return (actor, apiKey);
    }

    /// <summary>Drops these people's entries now; any actor being built meanwhile is not kept.</summary>
    public void Invalidate(IEnumerable<Key> keys)
    {
        Interlocked.Increment(ref _generation);
        foreach (var key in keys) _entries.TryRemove(key, out _);
    }

    /// <summary>Drops every entry (a brand's name or time zone changed: every actor of it carries them).</summary>
    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        _entries.Clear();
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, entry) in _entries)
            if (entry.Expires <= now) _entries.TryRemove(new KeyValuePair<Key, Entry>(key, entry));
    }
}
