using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Features.Attribution;

/// <summary>The record of one ownership decision: what the owner was, what it is now (or that it did not
/// change), by which policy version and why. "Why is this customer X's?" is read from these rows.</summary>
public sealed class AttributionDecision : ITenantOwned
{
    private AttributionDecision() { }

    public TenantId TenantId { get; private set; }
    public Guid Id { get; private set; }
    public CustomerId CustomerId { get; private set; }
    public Guid? TouchId { get; private set; }
    /// <summary>The instant the decision is about (the touch's own time), not when it was recorded.</summary>
    public DateTimeOffset DecidedAt { get; private set; }
    public DateTimeOffset RecordedAt { get; private set; }
    public OwnerKind? PreviousOwnerKind { get; private set; }
    public Guid? PreviousOwnerId { get; private set; }
    public OwnerKind? NewOwnerKind { get; private set; }
    public Guid? NewOwnerId { get; private set; }
    /// <summary>For an unchanged decision: who touched and lost (recorded, not switched).</summary>
    public OwnerKind? ClaimantKind { get; private set; }
    public Guid? ClaimantId { get; private set; }
    public bool Changed { get; private set; }
    public int PolicyVersion { get; private set; }
    public DecisionReason Reason { get; private set; }
    public DateTimeOffset? ProtectedUntil { get; private set; }
    public string? Note { get; private set; }

    public Owner? PreviousOwner => PreviousOwnerKind is { } k && PreviousOwnerId is { } id ? new Owner(k, id) : null;
    public Owner? NewOwner => NewOwnerKind is { } k && NewOwnerId is { } id ? new Owner(k, id) : null;
    public Owner? Claimant => ClaimantKind is { } k && ClaimantId is { } id ? new Owner(k, id) : null;

    public static AttributionDecision Create(TenantId tenant, CustomerId customer, Guid? touchId, DateTimeOffset decidedAt, DateTimeOffset recordedAt,
        Owner? previous, Owner? next, Owner? claimant, int policyVersion, DecisionReason reason, DateTimeOffset? protectedUntil, string? note) => new()
        {
            TenantId = tenant,
            Id = Guid.CreateVersion7(),
            CustomerId = customer,
            TouchId = touchId,
            DecidedAt = decidedAt,
            RecordedAt = recordedAt,
            PreviousOwnerKind = previous?.Kind,
            PreviousOwnerId = previous?.Id,
            NewOwnerKind = next?.Kind,
            NewOwnerId = next?.Id,
            ClaimantKind = claimant?.Kind,
            ClaimantId = claimant?.Id,
            Changed = previous != next,
            PolicyVersion = policyVersion,
            Reason = reason,
            ProtectedUntil = protectedUntil,
            Note = note,
        };
}
