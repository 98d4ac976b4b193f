using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Features.Customers;
using Guidelink.Core.Features.Partners;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Guidelink.Web.Api;

/// <summary>Connect: touches, customers and their attribution, partners, referral codes.</summary>
public static class ConnectEndpoints
{
    public sealed record TouchBody(string? Code, Guid? StaffId, string? Channel, string? Method, string? Phone, string? UnionId,
        string? ExternalUserId, string? Name, Guid? StoreId, DateTimeOffset? OccurredAt, string? Consent);
    public sealed record LoginBody(string? Login, string? Password);
    public sealed record ReassignBody(Guid? StaffId, string? Reason);
    public sealed record CustomerBody(string? Name, string? Gender, DateOnly? Birthday, IReadOnlyList<Guid>? TagIds);
    public sealed record MergeBody(Guid? DuplicateId);
    public sealed record TagGroupBody(string? Name, bool SingleChoice, IReadOnlyList<string>? Tags);
    public sealed record PolicyBody(string? Mode, int? ProtectionDays, IReadOnlyList<string>? Precedence, bool? AllowSelfReferral,
        int? ManualTransfersPer90Days, DateTimeOffset? EffectiveFrom);
    public sealed record PartnerBody(string? Kind, string? Name, string? Organization, string? Phone, Guid? HomeStoreId);

    public static void MapConnectEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/touches", RecordTouchAsync).WithTags("Connect").RequireAuthorization(Permissions.TouchesWrite)
            .WithSummary("Record a touch (customer identity + code or staff + channel + method + time) and decide the owner.");

        var customers = app.MapGroup("/api/customers").WithTags("Connect").RequireAuthorization(Permissions.CustomersRead);
        customers.MapGet("/", async (string? search, Guid? ownerId, bool? pool, Guid? storeId, Guid? tagId, int? take, ListCustomers.Handler h, CancellationToken ct) =>
            TypedResults.Ok(await h.HandleAsync(new ListCustomers.Request(search, ownerId, pool ?? false, storeId, take ?? 100, tagId), ct)));
        customers.MapGet("/{id:guid}", async (Guid id, GetCustomer.Handler h, CancellationToken ct) => (await h.HandleAsync(id, ct)).ToOk());
        customers.MapPut("/{id:guid}", async (Guid id, CustomerBody body, UpdateCustomer.Handler h, GetCustomer.Handler reader, CancellationToken ct) =>
            (await h.HandleAsync(new UpdateCustomer.Request(id, body.Name, body.Gender, body.Birthday, body.TagIds), reader, ct)).ToOk())
            .RequireAuthorization(Permissions.CustomersWrite).WithSummary("Edit profile and tags (audited; personal fields masked in the audit log).");
        customers.MapPost("/{id:guid}/merge", async (Guid id, MergeBody body, MergeCustomers.Handler h, CancellationToken ct) =>
            (await h.HandleAsync(new MergeCustomers.Request(id, body.DuplicateId), ct)).ToOk())
            .RequireAuthorization(Permissions.PartnersWrite).WithSummary("Merge a duplicate into this customer; both histories are kept.");
        customers.MapGet("/tag-groups", async (ListTagGroups.Handler h, CancellationToken ct) => TypedResults.Ok(await h.HandleAsync(ct)));
        customers.MapPost("/tag-groups", async (TagGroupBody body, CreateTagGroup.Handler h, CancellationToken ct) =>
            (await h.HandleAsync(new CreateTagGroup.Request(body.Name, body.SingleChoice, body.Tags), ct)).ToCreated(g => $"/api/customers/tag-groups/{g.Id}"))
            .RequireAuthorization(Permissions.SettingsWrite);
        customers.MapGet("/{id:guid}/attribution", async (Guid id, string? lang, ExplainAttribution.Handler h, CancellationToken ct) => (await h.HandleAsync(id, lang, ct)).ToOk())
            .WithSummary("The attribution history and one sentence (lang=zh|en) saying why the current owner owns the customer.");
        customers.MapPost("/{id:guid}/reassign", async (Guid id, ReassignBody body, ReassignCustomer.Handler h, CancellationToken ct) =>
            (await h.HandleAsync(new ReassignCustomer.Request(id, body.StaffId, body.Reason), ct)).ToOk()).RequireAuthorization(Permissions.PartnersWrite);

        var policy = app.MapGroup("/api/attribution-policy").WithTags("Connect").RequireAuthorization(Permissions.CustomersRead);
        policy.MapGet("/", async (GetAttributionPolicies.Handler h, CancellationToken ct) => TypedResults.Ok(await h.HandleAsync(ct)));
        policy.MapPost("/", async (PolicyBody body, SetAttributionPolicy.Handler h, CancellationToken ct) =>
            (await h.HandleAsync(new SetAttributionPolicy.Request(body.Mode, body.ProtectionDays, body.Precedence, body.AllowSelfReferral,
                body.ManualTransfersPer90Days, body.EffectiveFrom), ct)).ToOk())
            .RequireAuthorization(Permissions.SettingsWrite).WithSummary("A new policy version, effective now or later; never in the past.");

        var partners = app.MapGroup("/api/partners").WithTags("Connect").RequireAuthorization(Permissions.CustomersRead, Permissions.OrgRead);
        partners.MapGet("/", async (string? status, string? kind, ListPartners.Handler h, CancellationToken ct) =>
            TypedResults.Ok(await h.HandleAsync(new ListPartners.Request(status, kind), ct)));
        partners.MapPost("/", RegisterAsync).RequireAuthorization(Permissions.PartnersWrite);
        partners.MapPost("/{id:guid}/approve", (Guid id, ChangePartnerStatus.Handler h, CancellationToken ct) => ChangeAsync(id, ChangePartnerStatus.Change.Approve, h, ct)).RequireAuthorization(Permissions.PartnersWrite);
        partners.MapPost("/{id:guid}/freeze", (Guid id, ChangePartnerStatus.Handler h, CancellationToken ct) => ChangeAsync(id, ChangePartnerStatus.Change.Freeze, h, ct)).RequireAuthorization(Permissions.PartnersWrite);
        partners.MapPost("/{id:guid}/login", async (Guid id, LoginBody body, CreatePartnerLogin.Handler h, CancellationToken ct) =>
            (await h.HandleAsync(new CreatePartnerLogin.Request(id, body.Login, body.Password), ct)).ToCreated(_ => $"/api/partners/{id}")).RequireAuthorization(Permissions.PartnersWrite);
        partners.MapPost("/{id:guid}/end", (Guid id, ChangePartnerStatus.Handler h, CancellationToken ct) => ChangeAsync(id, ChangePartnerStatus.Change.End, h, ct)).RequireAuthorization(Permissions.PartnersWrite);

        var codes = app.MapGroup("/api/codes").WithTags("Connect").RequireAuthorization();
        codes.MapGet("/", async (Guid? staffId, Guid? partnerId, string? campaign, GetReferralCode.Handler h, CancellationToken ct) =>
            (await h.HandleAsync(new GetReferralCode.Request(staffId, partnerId, campaign), ct)).ToOk())
            .WithSummary("The referral code of a guide or partner (yours without parameters), created on first use.");
    }

    // Through the process's group-commit writer: many requests' touches share the lookups and one commit (bench/README.md).
    private static async Task<Results<Ok<RecordTouch.Response>, ValidationProblem, ProblemHttpResult>> RecordTouchAsync(
        TouchBody body, HttpContext http, TouchWriter writer, ActorContext actors, CancellationToken ct) =>
        (await writer.RecordAsync(actors.Current!, new RecordTouch.Request(body.Code, body.StaffId, body.Channel, body.Method, body.Phone, body.UnionId, body.ExternalUserId,
            body.Name, body.StoreId, body.OccurredAt, body.Consent, http.Connection.RemoteIpAddress?.ToString(), http.Request.Headers.UserAgent.ToString()), ct)).ToOk();

    private static async Task<Results<Created<PartnerView>, ValidationProblem, ProblemHttpResult>> RegisterAsync(PartnerBody body, RegisterPartner.Handler h, CancellationToken ct) =>
        (await h.HandleAsync(new RegisterPartner.Request(body.Kind, body.Name, body.Organization, body.Phone, body.HomeStoreId), ct)).ToCreated(p => $"/api/partners/{p.Id}");

    private static async Task<Results<Ok<PartnerView>, ValidationProblem, ProblemHttpResult>> ChangeAsync(Guid id, ChangePartnerStatus.Change to, ChangePartnerStatus.Handler h, CancellationToken ct) =>
        (await h.HandleAsync(new ChangePartnerStatus.Request(id, to), ct)).ToOk();
}
