using Guidelink.Core.Features.Access;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Organization;

public sealed record RegionView(Guid Id, string Code, string Name);

public sealed record StoreView(Guid Id, Guid RegionId, string Code, string Name, string? City, string? Address, string? MallName, StoreStatus Status);

public sealed record StaffView(Guid Id, string EmployeeNo, string Name, StaffRole Role, StaffStatus Status,
    DateTimeOffset JoinedAt, DateTimeOffset? LeftAt, Guid? RegionId, Guid? StoreId);

public sealed record AssignmentView(Guid? RegionId, Guid? StoreId, DateTimeOffset From, DateTimeOffset? Until);

internal static class OrgViews
{
    public static RegionView View(this Region r) => new(r.Id.Value, r.Code, r.Name);

    public static StoreView View(this Store s) => new(s.Id.Value, s.RegionId.Value, s.Code, s.Name, s.City, s.Address, s.MallName, s.Status);

    public static StaffView View(this Staff s, DateTimeOffset now)
    {
        var at = s.AssignmentAt(now);
        return new(s.Id.Value, s.EmployeeNo, s.Name, s.Role, s.Status, s.JoinedAt, s.LeftAt, at?.RegionId?.Value, at?.StoreId?.Value);
    }

    /// <summary>The stores an actor may see: HQ all, a regional manager their regions', others their own.</summary>
    public static IQueryable<Store> VisibleStores(this GuidelinkDb db, AccessScope scope)
    {
        if (scope.IsBrandWide) return db.Stores;
        var regions = scope.Regions.ToList();
        var stores = scope.Stores.ToList();
        return db.Stores.Where(s => regions.Contains(s.RegionId) || stores.Contains(s.Id));
    }

    public static IQueryable<Region> VisibleRegions(this GuidelinkDb db, AccessScope scope)
    {
        if (scope.IsBrandWide) return db.Regions;
        var regions = scope.Regions.ToList();
        var storeRegions = db.VisibleStores(scope).Select(s => s.RegionId);
        return db.Regions.Where(r => regions.Contains(r.Id) || storeRegions.Contains(r.Id));
    }

    /// <summary>Staff whose assignment at <paramref name="now"/> lies in a visible store or region (HQ sees all).</summary>
    public static IQueryable<Staff> VisibleStaff(this GuidelinkDb db, AccessScope scope, DateTimeOffset now)
    {
        if (scope.IsBrandWide) return db.Staff;
        var storeIds = db.VisibleStores(scope).Select(s => (StoreId?)s.Id);
        var regions = scope.Regions.Select(r => (RegionId?)r).ToList();
        return db.Staff.Where(st => st.Assignments.Any(a =>
            (storeIds.Contains(a.StoreId) || regions.Contains(a.RegionId)) &&
            a.From <= now && (a.Until == null || a.Until > now)));
    }

    public static async Task<Store?> FindVisibleStoreAsync(this GuidelinkDb db, AccessScope scope, Guid id, CancellationToken ct)
    {
        var storeId = new StoreId(id);
        return await db.VisibleStores(scope).FirstOrDefaultAsync(s => s.Id == storeId, ct);
    }
}
