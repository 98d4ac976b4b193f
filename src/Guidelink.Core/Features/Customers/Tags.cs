using Guidelink.Core.Features.Audit;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Features.Customers;

/// <summary>A brand-defined group of tags (年龄段, 房屋类型, 装修阶段, 预算, 风格 …); single-choice groups
/// allow one tag per customer (a new one replaces the old).</summary>
public sealed class TagGroup : ITenantOwned, IAudited
{
    private TagGroup() { }

    public TenantId TenantId { get; private set; }
    public Guid Id { get; private set; }
    public string Name { get; private set; } = "";
    public bool SingleChoice { get; private set; }
    public List<Tag> Tags { get; private set; } = [];

    public string AuditKey => Id.ToString();

    public static TagGroup Create(TenantId tenant, string name, bool singleChoice) =>
        new() { TenantId = tenant, Id = Guid.CreateVersion7(), Name = name.Trim(), SingleChoice = singleChoice };

    public Tag AddTag(string name)
    {
        var tag = new Tag(TenantId, Guid.CreateVersion7(), Id, name.Trim());
        Tags.Add(tag);
        return tag;
    }
}

public sealed class Tag : ITenantOwned
{
    internal Tag(TenantId tenantId, Guid id, Guid groupId, string name)
    {
        TenantId = tenantId;
        Id = id;
        GroupId = groupId;
        Name = name;
    }

    public TenantId TenantId { get; private set; }
    public Guid Id { get; private set; }
    public Guid GroupId { get; private set; }
    public string Name { get; private set; }
}

/// <summary>A tag on a customer. Adding and removing are audited (who, when, which tag).</summary>
public sealed class CustomerTag : ITenantOwned, IAudited
{
    private CustomerTag() { }

    public TenantId TenantId { get; private set; }
    public CustomerId CustomerId { get; private set; }
    public Guid TagId { get; private set; }
    public DateTimeOffset TaggedAt { get; private set; }

    public string AuditKey => $"{CustomerId}/{TagId}";

    public static CustomerTag Create(TenantId tenant, CustomerId customer, Guid tag, DateTimeOffset now) =>
        new() { TenantId = tenant, CustomerId = customer, TagId = tag, TaggedAt = now };
}
