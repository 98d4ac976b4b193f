namespace Guidelink.Core.Features.Attribution;

/// <summary>The claim a touch makes on a customer.</summary>
/// <param name="Toucher">Who touched (code owner or staff); null when the touch names nobody (anonymous walk-in, import without owner).</param>
/// <param name="ToucherActive">False for a Frozen/Pending/Ended partner or a staff member who left: recorded, never binds.</param>
/// <param name="IsSelfReferral">The toucher is the customer (a partner's own phone).</param>
/// <param name="At">The touch's own time: the policy and protection are taken as of then.</param>
public sealed record Claim(Owner? Toucher, bool ToucherActive, bool IsSelfReferral, DateTimeOffset At);

/// <summary>The owner after the decision and why.</summary>
public sealed record Verdict(Owner? Owner, DateTimeOffset? ProtectedUntil, DecisionReason Reason, bool Renewed);

/// <summary>Exclusive attribution (线索归属), as DOMAIN.md "Who owns a customer" settles it. Pure: no
/// database, no clock — the caller passes the state, the claim and the policy in force at the claim's time.</summary>
public static class AttributionRules
{
    public static Verdict Decide(Owner? owner, DateTimeOffset? protectedUntil, Claim claim, AttributionPolicy policy)
    {
        var keep = (DecisionReason reason) => new Verdict(owner, protectedUntil, reason, false);
        if (claim.Toucher is not { } toucher) return keep(owner is null ? DecisionReason.NewCustomer : DecisionReason.NoOwner);
        if (!claim.ToucherActive) return keep(DecisionReason.PartnerInactive);
        if (claim.IsSelfReferral && !policy.AllowSelfReferral) return keep(DecisionReason.SelfReferral);

        var until = claim.At + policy.Protection;
        if (owner is null) return new Verdict(toucher, until, DecisionReason.NewCustomer, false);

        if (owner == toucher)
        {
            // Only the owner's own interaction renews protection — never other people's touches.
            var renewed = protectedUntil is { } current && current > until ? current : until;
            return new Verdict(owner, renewed, DecisionReason.Protected, true);
        }

        // Windows are half-open [start, end): protection holds until, not at, its end.
        var isProtected = protectedUntil is { } end && claim.At < end;
        return policy.Mode switch
        {
            AttributionMode.NeverSwitch => keep(DecisionReason.Protected),
            AttributionMode.FirstTouch when isProtected => keep(DecisionReason.Protected),
            AttributionMode.FirstTouch => new Verdict(toucher, until, DecisionReason.ProtectionExpired, false),
            AttributionMode.LastTouch when isProtected && policy.RankOf(toucher.Kind) > policy.RankOf(owner.Value.Kind) => keep(DecisionReason.Protected),
            AttributionMode.LastTouch => new Verdict(toucher, until, DecisionReason.LastTouchSwitch, false),
            _ => throw new InvalidOperationException($"Unknown attribution mode {policy.Mode}."),
        };
    }
}
