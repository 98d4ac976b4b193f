using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Commission;
using Guidelink.Core.Features.Orders;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Guidelink.Web.Api;

/// <summary>Activate: orders and their events, settlement, commission rules and the what-if.</summary>
public static class ActivateEndpoints
{
    public sealed record EventBody(string? Kind, string? Key, DateTimeOffset? At, string? Note, IReadOnlyList<RecordOrderEvent.RefundLine>? Lines);

    public sealed record BatchResponse(int Received, int Created, int Replayed, int Rejected, IReadOnlyList<IngestOrders.ItemResult> Items);

    public static void MapActivateEndpoints(this IEndpointRouteBuilder app)
    {
        var orders = app.MapGroup("/api/orders").WithTags("Activate").RequireAuthorization();
        orders.MapPost("/", CreateAsync).RequireAuthorization(Permissions.OrdersWrite)
            .WithSummary("One paid order: credited to the customer's owner at placedAt, commission Pending. Idempotent by (channel, externalNo).");
        orders.MapPost("/batch", BatchAsync).RequireAuthorization(Permissions.OrdersWrite)
            .WithSummary("Up to 1,000 orders in one transaction; a failing item is rejected alone, with a result per item.");
        orders.MapGet("/", async (string? search, Guid? storeId, Guid? creditId, string? channel, DateTimeOffset? from, DateTimeOffset? to, int? take,
                string? status, int? skip, ListOrders.Handler h, CancellationToken ct) =>
            TypedResults.Ok(await h.HandleAsync(new ListOrders.Request(search, storeId, creditId, channel, from, to, take, status, skip), ct)))
            .WithSummary("Orders the caller sees, newest first; status is AwaitingDelivery, InReturnWindow, AfterSale, Settled or Refunded; page with skip and take.");
        orders.MapGet("/{id:guid}", async (Guid id, string? lang, GetOrder.Handler h, CancellationToken ct) =>
            (await h.HandleAsync(id, lang is "en", ct)).ToOk());
        orders.MapPost("/{id:guid}/events", async (Guid id, EventBody body, RecordOrderEvent.Handler h, CancellationToken ct) =>
            (await h.HandleAsync(new RecordOrderEvent.Request(id, body.Kind, body.Key, body.At, body.Note, body.Lines), ct)).ToOk())
            .RequireAuthorization(Permissions.OrdersWrite)
            .WithSummary("Completed, AfterSaleOpened, AfterSaleClosed or Refunded (key = refund number); idempotent by key.");

        app.MapPost("/api/settlement/run", async (DateTimeOffset? asOf, SettleOrders.Handler h, CancellationToken ct) =>
                TypedResults.Ok(await h.HandleAsync(asOf, ct)))
            .WithTags("Activate").RequireAuthorization(Permissions.CommissionWrite)
            .WithSummary("Moves to Available the commission of orders whose return window closed by asOf (never later than now).");

        var rules = app.MapGroup("/api/commission-rules").WithTags("Activate").RequireAuthorization(Permissions.CommissionWrite);
        rules.MapGet("/", async (ListCommissionRules.Handler h, CancellationToken ct) => TypedResults.Ok(await h.HandleAsync(ct)));
        rules.MapPost("/", async (RuleDefinition body, SaveCommissionRule.Handler h, CancellationToken ct) =>
            (await h.HandleAsync(body, ct)).ToCreated(r => $"/api/commission-rules/{r.RuleId}"))
            .WithSummary("A new rule, or (with id) a new version of a rule from effectiveFrom.");
        rules.MapPost("/simulate", async (SimulateCommissionRules.Request body, SimulateCommissionRules.Handler h, CancellationToken ct) =>
            (await h.HandleAsync(body, ct)).ToOk())
            .WithSummary("Replays the last N days of orders under draft rules; per-earner difference; writes nothing.");
    }

    // Through the process's group-commit writer: concurrent single orders share one read and one commit, instead of
    // colliding on their earners' ledger chains and being replayed one by one (bench/README.md, Activate).
    private static async Task<Results<Created<GetOrder.OrderView>, Ok<GetOrder.OrderView>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        IngestOrders.OrderRequest body, OrderWriter writer, ActorContext actors, GetOrder.Handler get, CancellationToken ct)
    {
        var result = await writer.WriteAsync(actors.Current!, body, ct);
        switch (result.Status)
        {
            case IngestOrders.ItemStatus.Invalid:
                return TypedResults.ValidationProblem(result.Errors!, title: "One or more fields are invalid.");
            case IngestOrders.ItemStatus.NotFound:
                return TypedResults.Problem(result.Detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");
            case IngestOrders.ItemStatus.Conflict:
                return TypedResults.Problem(result.Detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict");
        }
        var view = await get.HandleAsync(result.OrderId!.Value, false, ct);
        if (!view.IsOk) return TypedResults.Problem(view.Detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");
        return result.Status == IngestOrders.ItemStatus.Created ? TypedResults.Created($"/api/orders/{result.OrderId}", view.Value!) : TypedResults.Ok(view.Value!);
    }

    private static async Task<Results<Ok<BatchResponse>, ValidationProblem>> BatchAsync(IReadOnlyList<IngestOrders.OrderRequest> body, IngestOrders.Handler ingest, CancellationToken ct)
    {
        if (body.Count is 0 or > IngestOrders.MaxBatch)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["items"] = [$"send between 1 and {IngestOrders.MaxBatch} orders."] });
        var results = await ingest.HandleAsync(body, null, ct);
        return TypedResults.Ok(new BatchResponse(results.Count, results.Count(r => r.Status == IngestOrders.ItemStatus.Created),
            results.Count(r => r.Status == IngestOrders.ItemStatus.Replayed), results.Count(r => !r.Ok), results));
    }
}
