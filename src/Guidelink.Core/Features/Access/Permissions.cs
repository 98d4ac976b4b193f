using Guidelink.Core.Features.Organization;

namespace Guidelink.Core.Features.Access;

/// <summary>Named permissions. Code asks for a permission, never for a role name; an API key's scopes
/// are permission names too.</summary>
public static class Permissions
{
    public const string OrgRead = "org.read";
    public const string OrgWrite = "org.write";
    public const string StaffWrite = "staff.write";
    public const string CustomersRead = "customers.read";
    public const string CustomersWrite = "customers.write";
    public const string CustomersPii = "customers.pii";
    public const string PartnersWrite = "partners.write";
    public const string TouchesWrite = "touches.write";
    public const string OrdersWrite = "orders.write";
    public const string CommissionWrite = "commission.write";
    public const string MoneyRead = "money.read";
    /// <summary>Read one's own earnings: credited orders, commission, balance, statement (guides and partners).</summary>
    public const string EarningsOwn = "earnings.own";
    public const string PayoutsApprove = "payouts.approve";
    public const string AuditRead = "audit.read";
    public const string SettingsWrite = "settings.write";

    public static readonly IReadOnlyList<string> All =
    [
        OrgRead, OrgWrite, StaffWrite, CustomersRead, CustomersWrite, CustomersPii, PartnersWrite,
        TouchesWrite, OrdersWrite, CommissionWrite, MoneyRead, EarningsOwn, PayoutsApprove, AuditRead, SettingsWrite,
    ];

    /// <summary>A partner reads their own customers (phones always masked) and their own earnings; nothing else.</summary>
    public static readonly IReadOnlySet<string> Partner = new HashSet<string> { CustomersRead, EarningsOwn };

    public static bool IsKnown(string permission) => All.Contains(permission);

    /// <summary>The role → permission map. Finance handles money; the Auditor reads everything and changes nothing.</summary>
    public static IReadOnlySet<string> For(StaffRole role) => role switch
    {
        StaffRole.HqAdmin => All.Where(p => p != PayoutsApprove).ToHashSet(),
        StaffRole.RegionalManager or StaffRole.StoreManager =>
            new HashSet<string> { OrgRead, OrgWrite, StaffWrite, CustomersRead, CustomersWrite, PartnersWrite, TouchesWrite, MoneyRead },
        StaffRole.Guide => new HashSet<string> { OrgRead, CustomersRead, CustomersWrite, TouchesWrite, EarningsOwn },
        StaffRole.Installer => new HashSet<string> { OrgRead, CustomersRead, TouchesWrite, EarningsOwn },
        StaffRole.Finance => new HashSet<string> { OrgRead, MoneyRead, PayoutsApprove, AuditRead },
        StaffRole.Auditor => All.Where(p => p.EndsWith(".read", StringComparison.Ordinal)).ToHashSet(),
        _ => new HashSet<string>(),
    };
}
