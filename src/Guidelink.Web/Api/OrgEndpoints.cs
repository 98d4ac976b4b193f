using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Organization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Guidelink.Web.Api;

/// <summary>/api/org: regions, stores and staff of the caller's brand, limited to the caller's part of the org.</summary>
public static class OrgEndpoints
{
    public sealed record RegionBody(string? Code, string? Name);
    public sealed record StoreBody(Guid? RegionId, string? Code, string? Name, string? City, string? Address, string? MallName, string? Status);
    public sealed record StaffBody(string? EmployeeNo, string? Name, string? Role, Guid? StoreId, Guid? RegionId, DateTimeOffset? JoinedAt);
    public sealed record AssignBody(Guid? StoreId, Guid? RegionId, DateTimeOffset? From);
    public sealed record LeaveBody(DateTimeOffset? LeftAt, Guid? SuccessorId);

    public static RouteGroupBuilder MapOrgEndpoints(this RouteGroupBuilder group)
    {
        group.WithTags("Organization").RequireAuthorization(Permissions.OrgRead);

        group.MapGet("/tree", async (GetOrgTree.Handler h, CancellationToken ct) => TypedResults.Ok(await h.HandleAsync(ct)));

        group.MapGet("/regions", async (ListRegions.Handler h, CancellationToken ct) => TypedResults.Ok(await h.HandleAsync(ct)));
        group.MapPost("/regions", CreateRegionAsync).RequireAuthorization(Permissions.OrgWrite);
        group.MapPut("/regions/{id:guid}", UpdateRegionAsync).RequireAuthorization(Permissions.OrgWrite);

        group.MapGet("/stores", async (Guid? regionId, ListStores.Handler h, CancellationToken ct) =>
            TypedResults.Ok(await h.HandleAsync(new ListStores.Request(regionId), ct)));
        group.MapGet("/stores/{id:guid}", async (Guid id, GetStore.Handler h, CancellationToken ct) => (await h.HandleAsync(id, ct)).ToOk());
        group.MapPost("/stores", CreateStoreAsync).RequireAuthorization(Permissions.OrgWrite);
        group.MapPut("/stores/{id:guid}", UpdateStoreAsync).RequireAuthorization(Permissions.OrgWrite);

        group.MapGet("/staff", async (Guid? storeId, string? role, string? status, string? search, ListStaff.Handler h, CancellationToken ct) =>
            TypedResults.Ok(await h.HandleAsync(new ListStaff.Request(storeId, role, status, search), ct)));
        group.MapGet("/staff/{id:guid}", async (Guid id, DateTimeOffset? at, GetStaff.Handler h, CancellationToken ct) => (await h.HandleAsync(id, at, ct)).ToOk())
            .WithSummary("A staff member with placement history; ?at=INSTANT tells where they worked then.");
        group.MapPost("/staff", HireAsync).RequireAuthorization(Permissions.StaffWrite);
        group.MapPut("/staff/{id:guid}", UpdateStaffAsync).RequireAuthorization(Permissions.StaffWrite);
        group.MapPost("/staff/{id:guid}/assignments", AssignAsync).RequireAuthorization(Permissions.StaffWrite)
            .WithSummary("Move a staff member to another store or region from an instant.");
        group.MapPost("/staff/{id:guid}/leave", LeaveAsync).RequireAuthorization(Permissions.StaffWrite);
        return group;
    }

    private static async Task<Results<Created<RegionView>, ValidationProblem, ProblemHttpResult>> CreateRegionAsync(RegionBody body, CreateRegion.Handler h, CancellationToken ct) =>
        (await h.HandleAsync(new CreateRegion.Request(body.Code, body.Name), ct)).ToCreated(r => $"/api/org/regions/{r.Id}");

    private static async Task<Results<Ok<RegionView>, ValidationProblem, ProblemHttpResult>> UpdateRegionAsync(Guid id, RegionBody body, UpdateRegion.Handler h, CancellationToken ct) =>
        (await h.HandleAsync(new UpdateRegion.Request(id, body.Code, body.Name), ct)).ToOk();

    private static async Task<Results<Created<StoreView>, ValidationProblem, ProblemHttpResult>> CreateStoreAsync(StoreBody body, CreateStore.Handler h, CancellationToken ct) =>
        (await h.HandleAsync(new CreateStore.Request(body.RegionId, body.Code, body.Name, body.City, body.Address, body.MallName), ct)).ToCreated(s => $"/api/org/stores/{s.Id}");

    private static async Task<Results<Ok<StoreView>, ValidationProblem, ProblemHttpResult>> UpdateStoreAsync(Guid id, StoreBody body, UpdateStore.Handler h, CancellationToken ct) =>
        (await h.HandleAsync(new UpdateStore.Request(id, body.RegionId, body.Code, body.Name, body.City, body.Address, body.MallName, body.Status), ct)).ToOk();

    private static async Task<Results<Created<StaffView>, ValidationProblem, ProblemHttpResult>> HireAsync(StaffBody body, HireStaff.Handler h, CancellationToken ct) =>
        (await h.HandleAsync(new HireStaff.Request(body.EmployeeNo, body.Name, body.Role, body.StoreId, body.RegionId, body.JoinedAt), ct)).ToCreated(s => $"/api/org/staff/{s.Id}");

    private static async Task<Results<Ok<StaffView>, ValidationProblem, ProblemHttpResult>> UpdateStaffAsync(Guid id, StaffBody body, UpdateStaff.Handler h, CancellationToken ct) =>
        (await h.HandleAsync(new UpdateStaff.Request(id, body.EmployeeNo, body.Name, body.Role), ct)).ToOk();

    private static async Task<Results<Ok<StaffView>, ValidationProblem, ProblemHttpResult>> AssignAsync(Guid id, AssignBody body, AssignStaff.Handler h, CancellationToken ct) =>
        (await h.HandleAsync(new AssignStaff.Request(id, body.StoreId, body.RegionId, body.From), ct)).ToOk();

    private static async Task<Results<Ok<StaffView>, ValidationProblem, ProblemHttpResult>> LeaveAsync(Guid id, LeaveBody? body, MarkStaffLeft.Handler h, CancellationToken ct) =>
        (await h.HandleAsync(new MarkStaffLeft.Request(id, body?.LeftAt, body?.SuccessorId), ct)).ToOk();
}
