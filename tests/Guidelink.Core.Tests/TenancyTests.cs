using Guidelink.Core.Features.Organization;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Tests;

public sealed class TenancyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(TenantId A, TenantId B, StoreId StoreOfA)> TwoBrandsAsync(TestDatabase database)
    {
        var now = DateTimeOffset.UtcNow;
        var a = Tenant.Create("brand-a", "A", null, now);
        var b = Tenant.Create("brand-b", "B", null, now);
        await using (var platform = database.NewContext())
        {
            platform.Tenants.AddRange(a, b);
            await platform.SaveChangesAsync(Ct);
        }
        await using var dbA = database.NewContext(a.Id);
        var region = Region.Create(a.Id, "R1", "Region of A", now);
        var store = Store.Create(a.Id, region.Id, "S1", "Store of A", null, null, null, now);
        dbA.AddRange(region, store);
        await dbA.SaveChangesAsync(Ct);
        return (a.Id, b.Id, store.Id);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task BrandB_ReadsNoneOfBrandAsRows(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var (a, b, storeOfA) = await TwoBrandsAsync(database);

        await using var asB = database.NewContext(b);
        (await asB.Stores.CountAsync(Ct)).ShouldBe(0);
        (await asB.Regions.AnyAsync(Ct)).ShouldBeFalse();
        (await asB.Stores.FirstOrDefaultAsync(s => s.Id == storeOfA, Ct)).ShouldBeNull();
        (await asB.AuditEntries.CountAsync(Ct)).ShouldBe(0);

        await using var asA = database.NewContext(a);
        (await asA.Stores.CountAsync(Ct)).ShouldBe(1);
        (await asA.AuditEntries.CountAsync(Ct)).ShouldBe(2); // region and store created
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task BrandB_CannotWriteBrandAsRows_AndNothingIsWritten(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var (a, b, storeOfA) = await TwoBrandsAsync(database);

        Store store;
        await using (var asA = database.NewContext(a)) store = await asA.Stores.AsNoTracking().SingleAsync(Ct);

        // Attaching A's store to B's unit of work and changing it is refused at SaveChanges.
        await using (var asB = database.NewContext(b))
        {
            asB.Stores.Attach(store);
            store.Update(store.RegionId, "HACK", "Taken over", null, null, null, StoreStatus.Closed);
            await Should.ThrowAsync<TenantViolationException>(() => asB.SaveChangesAsync(Ct));
        }
        // Creating a row stamped for A while B is in scope is refused too.
        await using (var asB = database.NewContext(b))
        {
            asB.Regions.Add(Region.Create(a, "R9", "Injected", DateTimeOffset.UtcNow));
            await Should.ThrowAsync<TenantViolationException>(() => asB.SaveChangesAsync(Ct));
        }
        // With no brand in scope nothing brand-owned can be written at all.
        await using (var none = database.NewContext())
        {
            none.Regions.Add(Region.Create(a, "R8", "Orphan", DateTimeOffset.UtcNow));
            await Should.ThrowAsync<TenantViolationException>(() => none.SaveChangesAsync(Ct));
        }

        await using var check = database.NewContext(a);
        var unchanged = await check.Stores.SingleAsync(s => s.Id == storeOfA, Ct);
        unchanged.Code.ShouldBe("S1");
        unchanged.Status.ShouldBe(StoreStatus.Open);
        (await check.Regions.CountAsync(Ct)).ShouldBe(1);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task NewRows_AreStampedWithTheBrandInScope(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var (a, _, _) = await TwoBrandsAsync(database);
        await using var asA = database.NewContext(a);
        var region = Region.Create(default, "R2", "Stamped", DateTimeOffset.UtcNow);
        asA.Regions.Add(region);
        await asA.SaveChangesAsync(Ct);
        region.TenantId.ShouldBe(a);
    }
}
