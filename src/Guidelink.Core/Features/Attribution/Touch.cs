using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Features.Attribution;

/// <summary>One touch point: a customer met someone of the brand (scanned a code, opened a link, checked
/// in at an event, was entered by staff). Recorded whatever the ownership outcome, with who entered it,
/// IP and user agent for later fraud checks.</summary>
public sealed class Touch : ITenantOwned
{
    private Touch() { }

    public TenantId TenantId { get; private set; }
    public Guid Id { get; private set; }
    public CustomerId CustomerId { get; private set; }
    public OwnerKind? ToucherKind { get; private set; }
    public Guid? ToucherId { get; private set; }
    public string? Code { get; private set; }
    public string? Campaign { get; private set; }
    public TouchChannel Channel { get; private set; }
    public TouchMethod Method { get; private set; }
    public StoreId? StoreId { get; private set; }
    public DateTimeOffset OccurredAt { get; private set; }
    public DateTimeOffset RecordedAt { get; private set; }
    public string EnteredBy { get; private set; } = "";
    public string? Ip { get; private set; }
    public string? UserAgent { get; private set; }

    public Owner? Toucher => ToucherKind is { } k && ToucherId is { } id ? new Owner(k, id) : null;

    public static Touch Create(TenantId tenant, CustomerId customer, Owner? toucher, string? code, string? campaign, TouchChannel channel,
        TouchMethod method, StoreId? store, DateTimeOffset occurredAt, DateTimeOffset recordedAt, string enteredBy, string? ip, string? userAgent) => new()
        {
            TenantId = tenant,
            Id = Guid.CreateVersion7(),
            CustomerId = customer,
            ToucherKind = toucher?.Kind,
            ToucherId = toucher?.Id,
            Code = code,
            Campaign = campaign,
            Channel = channel,
            Method = method,
            StoreId = store,
            OccurredAt = occurredAt,
            RecordedAt = recordedAt,
            EnteredBy = enteredBy,
            Ip = ip is { Length: > 64 } ? ip[..64] : ip,
            UserAgent = userAgent is { Length: > 300 } ? userAgent[..300] : userAgent,
        };
}
