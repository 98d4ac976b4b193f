using System.Text.Json;
using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Organization;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Guidelink.Core.Tests;

public sealed class OrganizationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly DateTimeOffset March1 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void AssignmentHistory_AnswersWhereSomeoneWorkedAtAnInstant_HalfOpen()
    {
        var tenant = TenantId.New();
        var xuhui = StoreId.New();
        var pudong = StoreId.New();
        var guide = Staff.Hire(tenant, "G1", "王欣怡", StaffRole.Guide, March1);
        guide.AssignTo(null, xuhui, March1);
        var moved = March1.AddDays(10);
        guide.AssignTo(null, pudong, moved);

        guide.AssignmentAt(March1.AddDays(2))!.StoreId.ShouldBe(xuhui);
        guide.AssignmentAt(moved.AddTicks(-1))!.StoreId.ShouldBe(xuhui);
        guide.AssignmentAt(moved)!.StoreId.ShouldBe(pudong); // [From, Until): the move instant belongs to the new store
        guide.AssignmentAt(March1.AddDays(-1)).ShouldBeNull();

        guide.Leave(moved.AddDays(5));
        guide.Status.ShouldBe(StaffStatus.Left);
        guide.AssignmentAt(moved.AddDays(6)).ShouldBeNull();
        guide.Assignments.Count.ShouldBe(2);
        Should.Throw<InvalidOperationException>(() => guide.AssignTo(null, xuhui, moved.AddDays(7)));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task UpdatingAStore_WritesAnAuditEntryWithBeforeAndAfter(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var clock = new FakeTimeProvider(March1);
        var tenant = Tenant.Create("audit", "Audit brand", null, March1);
        await using (var platform = database.NewContext()) { platform.Tenants.Add(tenant); await platform.SaveChangesAsync(Ct); }

        await using (var db = database.NewContext(tenant.Id, clock))
        {
            var region = Region.Create(tenant.Id, "E", "East", March1);
            db.Regions.Add(region);
            db.Stores.Add(Store.Create(tenant.Id, region.Id, "S1", "Old name", "上海", null, null, March1));
            await db.SaveChangesAsync(Ct);
        }
        clock.Advance(TimeSpan.FromHours(1));
        await using (var db = database.NewContext(tenant.Id, clock))
        {
            var store = await db.Stores.SingleAsync(Ct);
            store.Update(store.RegionId, "S1", "New name", "上海", null, null, StoreStatus.Open);
            await db.SaveChangesAsync(Ct);
        }

        await using var read = database.NewContext(tenant.Id);
        var entry = await read.AuditEntries.SingleAsync(a => a.Action == "Store.Updated", Ct);
        entry.At.ShouldBe(March1.AddHours(1));
        entry.ActorName.ShouldBe("test");
        JsonDocument.Parse(entry.Before!).RootElement.GetProperty("Name").GetString().ShouldBe("Old name");
        JsonDocument.Parse(entry.After!).RootElement.GetProperty("Name").GetString().ShouldBe("New name");
        JsonDocument.Parse(entry.After!).RootElement.TryGetProperty("City", out _).ShouldBeFalse(); // unchanged fields are not repeated
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task AuditLog_RecordsPersonalFieldsMasked(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var tenant = Tenant.Create("mask", "Mask brand", null, March1);
        await using (var platform = database.NewContext()) { platform.Tenants.Add(tenant); await platform.SaveChangesAsync(Ct); }
        await using (var db = database.NewContext(tenant.Id))
        {
            db.Staff.Add(Staff.Hire(tenant.Id, "HQ1", "欧阳娜娜", StaffRole.HqAdmin, March1));
            await db.SaveChangesAsync(Ct);
        }
        await using var read = database.NewContext(tenant.Id);
        var entry = await read.AuditEntries.SingleAsync(a => a.Action == "Staff.Created", Ct);
        entry.After!.ShouldNotContain("欧阳娜娜");
        JsonDocument.Parse(entry.After!).RootElement.GetProperty("Name").GetString().ShouldBe("欧***");
        JsonDocument.Parse(entry.After!).RootElement.GetProperty("EmployeeNo").GetString().ShouldBe("HQ1");
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task DemoSeed_IsDeterministicAndIdempotent(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var first = await SeedAsync(database);
        var second = await SeedAsync(database);
        first.Created.ShouldBeTrue();
        second.Created.ShouldBeFalse();
        second.TenantId.ShouldBe(first.TenantId);

        await using var db = database.NewContext(new TenantId(first.TenantId));
        (await db.Regions.CountAsync(Ct)).ShouldBe(2);
        (await db.Stores.CountAsync(Ct)).ShouldBe(6);
        (await db.Staff.CountAsync(s => s.Role == StaffRole.Guide, Ct)).ShouldBe(24);
        (await db.Staff.CountAsync(s => s.Role == StaffRole.StoreManager, Ct)).ShouldBe(6);
        (await db.Staff.CountAsync(s => s.Role == StaffRole.RegionalManager, Ct)).ShouldBe(2);
        (await db.Stores.CountAsync(s => s.MallName != null, Ct)).ShouldBe(2);
        var names = await db.Staff.Select(s => s.Name).ToListAsync(Ct);
        names.Distinct().Count().ShouldBe(names.Count);
        (await db.UserAccounts.CountAsync(Ct)).ShouldBe(SeedDemoBrandLogins);
    }

    private const int SeedDemoBrandLogins = 7; // admin, finance, auditor, east, south, store, guide

    private static async Task<Features.Demo.SeedDemoBrand.Response> SeedAsync(TestDatabase database)
    {
        await using var db = database.NewContext();
        var tenantContext = db.TenantContext;
        var handler = new Features.Demo.SeedDemoBrand.Handler(db, tenantContext, new ActorContext(), new FakeTimeProvider(March1.AddMonths(6)));
        return await handler.HandleAsync(Ct);
    }
}
