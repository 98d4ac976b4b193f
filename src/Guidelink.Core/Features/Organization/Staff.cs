using Guidelink.Core.Features.Audit;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Features.Organization;

public enum StaffRole { HqAdmin, RegionalManager, StoreManager, Guide, Installer, Finance, Auditor }

public enum StaffStatus { Active, Left }

/// <summary>An employee of the brand (店员, 导购, 店长, 区域经理, 安装师傅, HQ). Where they work is a dated
/// <see cref="StaffAssignment"/>, so history answers "where did she work on 3 March?".</summary>
public sealed class Staff : ITenantOwned, IAudited
{
    private Staff() { }

    public TenantId TenantId { get; private set; }
    public StaffId Id { get; private set; }
    public string EmployeeNo { get; private set; } = "";
    [PersonalData]
    public string Name { get; private set; } = "";
    public StaffRole Role { get; private set; }
    public StaffStatus Status { get; private set; }
    public DateTimeOffset JoinedAt { get; private set; }
    public DateTimeOffset? LeftAt { get; private set; }
    public List<StaffAssignment> Assignments { get; private set; } = [];

    public string AuditKey => Id.ToString();

    public static Staff Hire(TenantId tenant, string employeeNo, string name, StaffRole role, DateTimeOffset joinedAt) => new()
    {
        TenantId = tenant,
        Id = StaffId.New(),
        EmployeeNo = employeeNo.Trim(),
        Name = name.Trim(),
        Role = role,
        Status = StaffStatus.Active,
        JoinedAt = joinedAt,
    };

    public void Update(string employeeNo, string name, StaffRole role)
    {
        EmployeeNo = employeeNo.Trim();
        Name = name.Trim();
        Role = role;
    }

    /// <summary>Which kind of unit a role is placed in: managers of a region sit in a region, store staff in a store, HQ nowhere.</summary>
    public static AssignmentLevel LevelOf(StaffRole role) => role switch
    {
        StaffRole.RegionalManager => AssignmentLevel.Region,
        StaffRole.StoreManager or StaffRole.Guide or StaffRole.Installer => AssignmentLevel.Store,
        _ => AssignmentLevel.None,
    };

    /// <summary>Ends the open assignment at <paramref name="at"/> and opens the new one from then.</summary>
    public void AssignTo(RegionId? region, StoreId? store, DateTimeOffset at)
    {
        if (Status == StaffStatus.Left) throw new InvalidOperationException("A staff member who has left cannot be assigned.");
        CloseOpenAssignments(at);
        if (region is not null || store is not null)
            Assignments.Add(StaffAssignment.Open(TenantId, Id, region, store, at));
    }

    public void Leave(DateTimeOffset at)
    {
        if (Status == StaffStatus.Left) return;
        Status = StaffStatus.Left;
        LeftAt = at;
        CloseOpenAssignments(at);
    }

    public StaffAssignment? AssignmentAt(DateTimeOffset instant) =>
        Assignments.FirstOrDefault(a => a.Covers(instant));

    private void CloseOpenAssignments(DateTimeOffset at)
    {
        foreach (var open in Assignments.Where(a => a.Until is null)) open.Close(at);
    }
}

public enum AssignmentLevel { None, Region, Store }
