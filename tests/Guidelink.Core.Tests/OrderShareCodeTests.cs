using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Features.Catalog;
using Guidelink.Core.Features.Orders;
using Guidelink.Core.Features.Partners;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Core.Tests;

/// <summary>A share code on an order is decided exactly like a touch (RecordTouch.Decide): self-referral and late input
/// are settled by the same rules, not by a shorter copy of them.</summary>
public sealed class OrderShareCodeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(TenantId Tenant, StoreId Store)> BrandAsync(TestServices services)
    {
        var tenant = await services.SeedDemoBrandAsync(Ct);
        await using var scope = services.ScopeFor(tenant);
        var db = scope.ServiceProvider.GetRequiredService<GuidelinkDb>();
        db.Categories.Add(Category.Create(tenant, "sofa", "沙发"));
        await db.SaveChangesAsync(Ct);
        return (tenant, await db.Stores.Where(s => s.Code == "SH-XH").Select(s => s.Id).FirstAsync(Ct));
    }

    private static async Task<(Guid Id, string Code)> PartnerAsync(TestServices services, TenantId tenant, StoreId store, string name, string? phone)
    {
        await using var scope = services.ScopeFor(tenant);
        var sp = scope.ServiceProvider;
        var partner = (await sp.GetRequiredService<RegisterPartner.Handler>().HandleAsync(new RegisterPartner.Request("PartTimeGuide", name, null, phone, store.Value), Ct)).Value!;
        (await sp.GetRequiredService<ChangePartnerStatus.Handler>().HandleAsync(new ChangePartnerStatus.Request(partner.Id, ChangePartnerStatus.Change.Approve), Ct)).IsOk.ShouldBeTrue();
        return (partner.Id, (await sp.GetRequiredService<GetReferralCode.Handler>().HandleAsync(new GetReferralCode.Request(null, partner.Id, null), Ct)).Value!.Code);
    }

    private static IngestOrders.OrderRequest Order(string no, StoreId store, string phone, string code, DateTimeOffset placedAt) =>
        new("MiniMall", no, store.Value, null, new IngestOrders.CustomerRequest(null, phone, null, null), code,
            [new IngestOrders.LineRequest("SOFA-01", "云朵沙发", "sofa", 1, 999.00m, null)], null, 0m, 0m, 999.00m, placedAt, placedAt, null);

    private static async Task<IngestOrders.ItemResult> IngestAsync(TestServices services, TenantId tenant, IngestOrders.OrderRequest order)
    {
        await using var scope = services.ScopeFor(tenant);
        return (await scope.ServiceProvider.GetRequiredService<IngestOrders.Handler>().HandleAsync([order], null, Ct))[0];
    }

    [Fact]
    public async Task APartnersShareCodeOnTheirOwnOrder_DoesNotMakeThemTheOwner()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using var services = new TestServices(database);
        var (tenant, store) = await BrandAsync(services);
        var (partner, code) = await PartnerAsync(services, tenant, store, "设计师周工", "13700137001");

        var result = await IngestAsync(services, tenant, Order("MM-SELF-1", store, "137 0013 7001", code, DateTimeOffset.UtcNow.AddHours(-1)));

        result.Status.ShouldBe(IngestOrders.ItemStatus.Created);
        await using var db = database.NewContext(tenant);
        var order = await db.Orders.SingleAsync(o => o.Id == result.OrderId, Ct);
        order.CreditId.ShouldBeNull();
        var customer = await db.Customers.SingleAsync(c => c.Id == order.CustomerId, Ct);
        customer.OwnerId.ShouldBeNull();
        var decision = await db.AttributionDecisions.SingleAsync(d => d.CustomerId == customer.Id, Ct);
        decision.Reason.ShouldBe(DecisionReason.SelfReferral);
        decision.NewOwnerId.ShouldBeNull();
        decision.ClaimantId.ShouldBe(partner);
        (await db.CommissionLines.CountAsync(Ct)).ShouldBe(0);
    }

    [Fact]
    public async Task ALateOrderWithAShareCode_IsDecidedAsOfPlacedAt_AndTheLaterOwnerIsNotCredited()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using var services = new TestServices(database);
        var (tenant, store) = await BrandAsync(services);
        var (first, firstCode) = await PartnerAsync(services, tenant, store, "合伙人甲", null);
        var (_, secondCode) = await PartnerAsync(services, tenant, store, "合伙人乙", null);
        var now = DateTimeOffset.UtcNow;

        // The first partner's touch is recorded at now − 1 day: they own the customer from then on, protected.
        await using (var scope = services.ScopeFor(tenant))
            (await scope.ServiceProvider.GetRequiredService<RecordTouch.Handler>().HandleAsync(
                new RecordTouch.Request(firstCode, null, "ShareLink", "QrScan", "13600136100", null, null, null, null, now.AddDays(-1), null), Ct)).IsOk.ShouldBeTrue();

        // A POS batch arrives late: an order placed 3 days ago through the second partner's code.
        var result = await IngestAsync(services, tenant, Order("MM-LATE-1", store, "13600136100", secondCode, now.AddDays(-3)));

        result.Status.ShouldBe(IngestOrders.ItemStatus.Created);
        await using var db = database.NewContext(tenant);
        var order = await db.Orders.SingleAsync(o => o.Id == result.OrderId, Ct);
        // As of placedAt nobody owned the customer, and the late code cannot revise the decision recorded after it.
        order.CreditId.ShouldBeNull();
        var customer = await db.Customers.SingleAsync(c => c.Id == order.CustomerId, Ct);
        customer.OwnerId.ShouldBe(first);
        var late = await db.AttributionDecisions.Where(d => d.CustomerId == customer.Id).OrderBy(d => d.DecidedAt).FirstAsync(Ct);
        late.DecidedAt.ShouldBe(LedgerTruncated(now.AddDays(-3)));
        late.NewOwnerId.ShouldBeNull();
        late.Note!.ShouldContain("late input");
    }

    private static DateTimeOffset LedgerTruncated(DateTimeOffset at) => Features.Ledger.LedgerBook.Truncate(at);
}
