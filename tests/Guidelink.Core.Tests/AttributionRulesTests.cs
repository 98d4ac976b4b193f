using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Tests;

public sealed class AttributionRulesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 2, 0, 0, TimeSpan.Zero);
    private static readonly Owner GuideA = new(OwnerKind.OfficialGuide, Guid.NewGuid());
    private static readonly Owner PartTimeB = new(OwnerKind.PartTimeGuide, Guid.NewGuid());
    private static readonly Owner AmbassadorC = new(OwnerKind.ShareAmbassador, Guid.NewGuid());

    private static AttributionPolicy Policy(AttributionMode mode = AttributionMode.FirstTouch, int days = 90, bool self = false) =>
        AttributionPolicy.Create(TenantId.New(), 1, DateTimeOffset.MinValue, mode, days, null, self, 2);

    private static Claim By(Owner who, DateTimeOffset at, bool active = true, bool self = false) => new(who, active, self, at);

    [Fact]
    public void FirstTouch_ANewCustomerGoesToTheFirstToucher_ProtectedForTheWholePeriod()
    {
        var v = AttributionRules.Decide(null, null, By(PartTimeB, T0), Policy());
        v.Owner.ShouldBe(PartTimeB);
        v.Reason.ShouldBe(DecisionReason.NewCustomer);
        v.ProtectedUntil.ShouldBe(T0.AddDays(90)); // exactly 90 × 24 h from the instant
    }

    [Fact]
    public void FirstTouch_KeepsTheOwner_WhileProtected_AndSwitchesOnTheFirstTouchAtOrAfterItsEnd()
    {
        var end = T0.AddDays(90);
        var justBefore = AttributionRules.Decide(PartTimeB, end, By(GuideA, end.AddTicks(-1)), Policy());
        justBefore.Owner.ShouldBe(PartTimeB);
        justBefore.Reason.ShouldBe(DecisionReason.Protected);
        justBefore.ProtectedUntil.ShouldBe(end); // another person's touch never renews protection

        var atEnd = AttributionRules.Decide(PartTimeB, end, By(GuideA, end), Policy()); // [start, end): not protected at end
        atEnd.Owner.ShouldBe(GuideA);
        atEnd.Reason.ShouldBe(DecisionReason.ProtectionExpired);
        atEnd.ProtectedUntil.ShouldBe(end.AddDays(90));
    }

    [Fact]
    public void TheOwnersOwnInteraction_RenewsProtection_NeverShortensIt()
    {
        var renewed = AttributionRules.Decide(PartTimeB, T0.AddDays(90), By(PartTimeB, T0.AddDays(30)), Policy());
        renewed.Owner.ShouldBe(PartTimeB);
        renewed.Renewed.ShouldBeTrue();
        renewed.ProtectedUntil.ShouldBe(T0.AddDays(120));

        var shorter = AttributionRules.Decide(PartTimeB, T0.AddDays(90), By(PartTimeB, T0.AddDays(30)), Policy(days: 7));
        shorter.ProtectedUntil.ShouldBe(T0.AddDays(90));
    }

    [Fact]
    public void LastTouch_SwitchesOnEveryTouch_ButAWeakerKindCannotTakeAProtectedStrongerOwner()
    {
        var policy = Policy(AttributionMode.LastTouch);
        var toGuide = AttributionRules.Decide(PartTimeB, T0.AddDays(90), By(GuideA, T0.AddDays(1)), policy);
        toGuide.Owner.ShouldBe(GuideA);
        toGuide.Reason.ShouldBe(DecisionReason.LastTouchSwitch);

        var blocked = AttributionRules.Decide(GuideA, T0.AddDays(90), By(AmbassadorC, T0.AddDays(1)), policy);
        blocked.Owner.ShouldBe(GuideA);
        blocked.Reason.ShouldBe(DecisionReason.Protected);

        var afterExpiry = AttributionRules.Decide(GuideA, T0.AddDays(90), By(AmbassadorC, T0.AddDays(91)), policy);
        afterExpiry.Owner.ShouldBe(AmbassadorC);
    }

    [Fact]
    public void NeverSwitch_NeverSwitchesOnATouch()
    {
        var v = AttributionRules.Decide(PartTimeB, T0.AddDays(1), By(GuideA, T0.AddDays(400)), Policy(AttributionMode.NeverSwitch));
        v.Owner.ShouldBe(PartTimeB);
        v.Reason.ShouldBe(DecisionReason.Protected);
    }

    [Fact]
    public void AnInactivePartnersTouch_IsRecordedButNeverBinds_EvenForANewCustomer()
    {
        var v = AttributionRules.Decide(null, null, By(PartTimeB, T0, active: false), Policy());
        v.Owner.ShouldBeNull();
        v.Reason.ShouldBe(DecisionReason.PartnerInactive);
    }

    [Fact]
    public void SelfReferral_DoesNotBind_UnlessThePolicyAllowsIt()
    {
        AttributionRules.Decide(null, null, By(PartTimeB, T0, self: true), Policy()).Reason.ShouldBe(DecisionReason.SelfReferral);
        AttributionRules.Decide(null, null, By(PartTimeB, T0, self: true), Policy(self: true)).Owner.ShouldBe(PartTimeB);
    }

    [Fact]
    public void ATouchThatNamesNobody_LeavesANewCustomerInThePool()
    {
        var v = AttributionRules.Decide(null, null, new Claim(null, false, false, T0), Policy());
        v.Owner.ShouldBeNull();
        v.Reason.ShouldBe(DecisionReason.NewCustomer);
    }
}
