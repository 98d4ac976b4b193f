namespace Guidelink.Core.Features.Attribution;

/// <summary>Who can own (serve) a customer. Official guides and installers are staff; the rest are partners.</summary>
public enum OwnerKind { OfficialGuide, Installer, PartTimeGuide, ShareAmbassador, AllianceStore }

/// <summary>A customer's owner: a staff member or a partner, by kind and id.</summary>
public readonly record struct Owner(OwnerKind Kind, Guid Id)
{
    public bool IsStaff => Kind is OwnerKind.OfficialGuide or OwnerKind.Installer;
    public override string ToString() => $"{Kind}:{Id}";
}

public enum TouchChannel { Staff, Partner, Installer, Alliance, Livestream, Event, Import, ShareLink }

public enum TouchMethod { QrScan, Link, WeComContactMe, EventCheckIn, Manual, Import }

public enum AttributionMode { FirstTouch, LastTouch, NeverSwitch }

/// <summary>Why a decision came out as it did; each has a sentence in ExplainAttribution.</summary>
public enum DecisionReason { NewCustomer, Protected, ProtectionExpired, LastTouchSwitch, ManualReassign, GuideLeft, Merge, PartnerInactive, SelfReferral, NoOwner }
