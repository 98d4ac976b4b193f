using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Features.Customers;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Core.Tests;

/// <summary>The group-commit writer of touches: a batch decides its touches in arrival order as if they had come one
/// after the other, a bad touch fails only itself, and a batch that cannot be saved is decided again one by one.</summary>
public sealed class TouchWriterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static RecordTouch.Request ByCode(string code, string phone, string? unionId = null) =>
        new(code, null, "ShareLink", "QrScan", phone, unionId, null, null, null, null, null);

    private static async Task<(TenantId Tenant, List<(Guid Id, string Code)> Partners)> BrandWithPartnersAsync(TestServices services, int count)
    {
        var tenant = await services.SeedDemoBrandAsync(Ct);
        var partners = new List<(Guid, string)>();
        StoreId store;
        await using (var scope = services.ScopeFor(tenant))
            store = await scope.ServiceProvider.GetRequiredService<GuidelinkDb>().Stores.Select(s => s.Id).FirstAsync(Ct);
        for (var i = 0; i < count; i++) partners.Add(await services.ApprovedPartnerAsync(tenant, store.Value, $"合伙人{i}", Ct));
        return (tenant, partners);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task TwoTouchesOfOneNewCustomerInOneBatch_SeeEachOther_AndABadTouchFailsOnlyItself(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var services = new TestServices(database);
        var (tenant, partners) = await BrandWithPartnersAsync(services, 2);
        var actor = Actor.System(tenant, "test");
        var writer = services.Writer;

        var answers = await Task.WhenAll(await writer.RecordTogetherAsync(tenant,
        [
            (actor, ByCode(partners[0].Code, "13600136000")),
            (actor, ByCode("nosuchcode", "13600136001")),
            (actor, ByCode(partners[1].Code.ToUpperInvariant(), "136 0013 6000")),
            (actor, new RecordTouch.Request(null, Guid.NewGuid(), "Staff", "Manual", "13600136002", null, null, null, null, null, null)),
            (actor, ByCode(partners[1].Code, "13600136003") with { StoreId = Guid.NewGuid() }),
            (actor, ByCode(partners[1].Code, "not a phone")),
        ]));

        var (first, second) = (answers[0].Value!, answers[2].Value!);
        first.NewCustomer.ShouldBeTrue();
        first.Decision.Reason.ShouldBe(nameof(DecisionReason.NewCustomer));
        first.Decision.Owner!.Id.ShouldBe(partners[0].Id);
        second.CustomerId.ShouldBe(first.CustomerId);                     // the second saw the customer the first created
        second.NewCustomer.ShouldBeFalse();
        second.Decision.Reason.ShouldBe(nameof(DecisionReason.Protected));
        second.Decision.Changed.ShouldBeFalse();
        second.Decision.PreviousOwner!.Id.ShouldBe(partners[0].Id);
        second.Decision.Claimant!.Id.ShouldBe(partners[1].Id);
        answers[1].Kind.ShouldBe(OutcomeKind.NotFound);
        answers[1].Detail!.ShouldContain("nosuchcode");
        answers[3].Errors.Keys.ShouldBe(["staffId"]);
        answers[4].Errors.Keys.ShouldBe(["storeId"]);
        answers[5].Errors.Keys.ShouldBe(["phone"]);

        await using var scope = services.ScopeFor(tenant);
        var db = scope.ServiceProvider.GetRequiredService<GuidelinkDb>();
        var customer = await db.Customers.SingleAsync(Ct);                 // the failed touches wrote nothing
        customer.OwnerId.ShouldBe(partners[0].Id);
        (await db.Touches.CountAsync(Ct)).ShouldBe(2);
        var decisions = await db.AttributionDecisions.OrderBy(d => d.RecordedAt).ToListAsync(Ct);
        decisions.Count.ShouldBe(2);
        decisions.Count(d => d.Changed).ShouldBe(1);
        decisions.ShouldAllBe(d => d.TenantId == tenant);
        // The rows were inserted without change tracking: they read back as the answers described them, and the batch
        // was saved as one (the one-by-one fallback would give the same answers).
        writer.BatchesDecidedAlone.ShouldBe(0);
        decisions.Select(d => d.Id).ShouldBe([first.Decision.Id, second.Decision.Id], ignoreOrder: true);
        var firstDecision = decisions.Single(d => d.Id == first.Decision.Id);
        // PostgreSQL keeps microseconds, the answer has .NET's 100 ns ticks.
        firstDecision.DecidedAt.ShouldBe(first.Decision.DecidedAt, TimeSpan.FromMicroseconds(1));
        firstDecision.ProtectedUntil!.Value.ShouldBe(first.Decision.ProtectedUntil!.Value, TimeSpan.FromMicroseconds(1));
        decisions.Single(d => d.Id == second.Decision.Id).ClaimantId.ShouldBe(partners[1].Id);
        (await db.Touches.Select(t => t.Id).ToListAsync(Ct)).ShouldBe([first.TouchId, second.TouchId], ignoreOrder: true);
        customer.Id.Value.ShouldBe(first.CustomerId);
        customer.PhoneMasked.ShouldBe("136****6000");
        scope.ServiceProvider.GetRequiredService<PiiProtector>().Unprotect(customer.PhoneCipher!).ShouldBe("+8613600136000");
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task ABatchRefusedByAUniqueIndex_IsDecidedOneByOne_LosingAndDoublingNothing(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var services = new TestServices(database);
        var (tenant, partners) = await BrandWithPartnersAsync(services, 3);
        var actor = Actor.System(tenant, "test");
        var writer = services.Writer;

        // Two existing customers: one known by WeChat union id, one by phone only.
        var byUnion = (await writer.RecordAsync(actor, ByCode(partners[2].Code, "13500135000", unionId: "union-taken"), Ct)).Value!;
        var byPhone = (await writer.RecordAsync(actor, ByCode(partners[2].Code, "13500135001"), Ct)).Value!;

        // The middle touch gives the phone-only customer a union id another customer has: the database refuses the
        // whole batch (as it would refuse a customer created meanwhile by another instance). The others must still be
        // decided, once each, and see each other.
        var answers = await writer.RecordTogetherAsync(tenant,
        [
            (actor, ByCode(partners[0].Code, "13700137000")),
            (actor, ByCode(partners[1].Code, "13500135001", unionId: "union-taken")),
            (actor, ByCode(partners[1].Code, "13700137000")),
        ]);
        writer.BatchesDecidedAlone.ShouldBe(1);
        await Should.ThrowAsync<DbUpdateException>(answers[1]); // the clashing touch fails its own request, as one by one…
        var (won, lost) = (await answers[0], await answers[2]);  // …the other two are decided, once each, seeing each other
        won.Value!.Decision.Reason.ShouldBe(nameof(DecisionReason.NewCustomer));
        lost.Value!.CustomerId.ShouldBe(won.Value.CustomerId);
        lost.Value.Decision.Reason.ShouldBe(nameof(DecisionReason.Protected));

        await using var scope = services.ScopeFor(tenant);
        var db = scope.ServiceProvider.GetRequiredService<GuidelinkDb>();
        PhoneNumber.TryNormalize("13700137000", out var phone).ShouldBeTrue();
        var hash = scope.ServiceProvider.GetRequiredService<PiiProtector>().LookupHash(phone);
        var created = await db.Customers.SingleAsync(c => c.PhoneHash == hash, Ct);
        created.OwnerId.ShouldBe(partners[0].Id);
        var decisions = await db.AttributionDecisions.Where(d => d.CustomerId == created.Id).ToListAsync(Ct);
        decisions.Count.ShouldBe(2);
        decisions.Single(d => d.Changed).NewOwnerId.ShouldBe(partners[0].Id);
        decisions.Single(d => !d.Changed).ClaimantId.ShouldBe(partners[1].Id);
        (await db.Touches.CountAsync(t => t.CustomerId == created.Id, Ct)).ShouldBe(2);
        (await db.Customers.CountAsync(Ct)).ShouldBe(3);
        (await db.Customers.SingleAsync(c => c.Id == new CustomerId(byPhone.CustomerId), Ct)).UnionId.ShouldBeNull();
        (await db.AttributionDecisions.CountAsync(d => d.CustomerId == new CustomerId(byPhone.CustomerId), Ct)).ShouldBe(1);
        (await db.Customers.SingleAsync(c => c.Id == new CustomerId(byUnion.CustomerId), Ct)).UnionId.ShouldBe("union-taken");
    }
}
