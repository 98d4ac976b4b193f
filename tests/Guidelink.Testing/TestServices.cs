using Guidelink.Core;
using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Features.Catalog;
using Guidelink.Core.Features.Commission;
using Guidelink.Core.Features.Partners;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Testing;

/// <summary>Core's real service registration over a <see cref="TestDatabase"/>, without a web server: for
/// driving use cases directly (model tests, many operations fast).</summary>
public sealed class TestServices : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    public TestServices(TestDatabase database, TimeProvider? clock = null)
    {
        var configuration = new ConfigurationBuilder().AddCommandLine(database.Args).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        if (clock is not null) services.AddSingleton(clock);
        services.AddGuidelinkCore(configuration);
        _provider = services.BuildServiceProvider();
    }

    /// <summary>A unit of work acting for <paramref name="tenant"/> as <paramref name="actor"/> (default: the system).</summary>
    public AsyncServiceScope ScopeFor(TenantId tenant, Actor? actor = null)
    {
        var scope = _provider.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(tenant);
        scope.ServiceProvider.GetRequiredService<ActorContext>().Current = actor ?? Actor.System(tenant, "test");
        return scope;
    }

    public AsyncServiceScope PlatformScope() => _provider.CreateAsyncScope();

    /// <summary>Seeds the demo brand (its organisation, staff and rules; no customers or orders) and returns its id.</summary>
    public async Task<TenantId> SeedDemoBrandAsync(CancellationToken ct)
    {
        await using var platform = PlatformScope();
        return new TenantId((await platform.ServiceProvider.GetRequiredService<Core.Features.Demo.SeedDemoBrand.Handler>().HandleAsync(ct)).TenantId);
    }

    /// <summary>Registers a part-time guide partner of <paramref name="store"/>, approves it and returns its id and referral
    /// code (throws if any step is refused).</summary>
    public async Task<(Guid Id, string Code)> ApprovedPartnerAsync(TenantId tenant, Guid store, string name, CancellationToken ct)
    {
        await using var scope = ScopeFor(tenant);
        var sp = scope.ServiceProvider;
        var partner = (await sp.GetRequiredService<RegisterPartner.Handler>().HandleAsync(new RegisterPartner.Request("PartTimeGuide", name, null, null, store), ct)).Value
            ?? throw new InvalidOperationException($"Partner {name} was not registered.");
        if (!(await sp.GetRequiredService<ChangePartnerStatus.Handler>().HandleAsync(new ChangePartnerStatus.Request(partner.Id, ChangePartnerStatus.Change.Approve), ct)).IsOk)
            throw new InvalidOperationException($"Partner {name} was not approved.");
        var code = (await sp.GetRequiredService<GetReferralCode.Handler>().HandleAsync(new GetReferralCode.Request(null, partner.Id, null), ct)).Value?.Code
            ?? throw new InvalidOperationException($"Partner {name} got no referral code.");
        return (partner.Id, code);
    }

    /// <summary>The set-up the ingest tests and the orders bench share: the demo brand's store SH-XH, a "sofa" category (added
    /// if missing) and a commission rule for part-time guides of <paramref name="basisPoints"/>, with <paramref name="tiers"/>
    /// by month-to-date sales if given, effective since 2020. Returns the store.</summary>
    public async Task<StoreId> SofaStoreWithPartnerRuleAsync(TenantId tenant, string ruleName, int basisPoints, IReadOnlyList<RateTier>? tiers,
        CancellationToken ct)
    {
        await using var scope = ScopeFor(tenant);
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<GuidelinkDb>();
        if (!await db.Categories.AnyAsync(c => c.Code == "sofa", ct))
        {
            db.Categories.Add(Category.Create(tenant, "sofa", "沙发"));
            await db.SaveChangesAsync(ct);
        }
        var store = await db.Stores.Where(s => s.Code == "SH-XH").Select(s => s.Id).FirstAsync(ct);
        var rule = new RuleDefinition(null, 0, ruleName, ["PartTimeGuide"], null, null, null, null, 0, basisPoints,
            null, null, tiers, null, false, null, null, new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero), null);
        if (!(await sp.GetRequiredService<SaveCommissionRule.Handler>().HandleAsync(rule, ct)).IsOk)
            throw new InvalidOperationException($"Rule {ruleName} was not saved.");
        return store;
    }

    /// <summary>The process's group-commit writer of touches.</summary>
    public Core.Features.Attribution.TouchWriter Writer => _provider.GetRequiredService<Core.Features.Attribution.TouchWriter>();

    /// <summary>The process's group-commit writer of single orders.</summary>
    public Core.Features.Orders.OrderWriter Orders => _provider.GetRequiredService<Core.Features.Orders.OrderWriter>();

    public ValueTask DisposeAsync() => _provider.DisposeAsync();
}
