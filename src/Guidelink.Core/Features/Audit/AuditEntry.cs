using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Features.Audit;

/// <summary>Marks an entity whose every change goes into the audit log.</summary>
public interface IAudited
{
    /// <summary>The id written to the audit log (never personal data).</summary>
    string AuditKey { get; }
}

/// <summary>One line of the one audit log: who, when, what, before and after. Personal fields are
/// recorded masked (see <see cref="PersonalDataAttribute"/>), so erasure stays possible.</summary>
public sealed class AuditEntry : ITenantOwned
{
    private AuditEntry() { }

    public TenantId TenantId { get; private set; }
    public Guid Id { get; private set; }
    public DateTimeOffset At { get; private set; }
    public string ActorKind { get; private set; } = "";
    public string ActorId { get; private set; } = "";
    public string ActorName { get; private set; } = "";
    /// <summary>"Store.Updated", "Staff.Created", "Payout.Approved" …</summary>
    public string Action { get; private set; } = "";
    public string EntityType { get; private set; } = "";
    public string EntityId { get; private set; } = "";
    /// <summary>JSON object of the changed fields before the change (null when created).</summary>
    public string? Before { get; private set; }
    /// <summary>JSON object of the changed fields after the change (null when deleted).</summary>
    public string? After { get; private set; }

    public static AuditEntry Create(TenantId tenant, DateTimeOffset at, string actorKind, string actorId, string actorName,
        string action, string entityType, string entityId, string? before, string? after) => new()
        {
            TenantId = tenant,
            Id = Guid.CreateVersion7(),
            At = at,
            ActorKind = actorKind,
            ActorId = actorId,
            ActorName = actorName,
            Action = action,
            EntityType = entityType,
            EntityId = entityId,
            Before = before,
            After = after,
        };

    /// <summary>"13812345678" → "138****5678"; names → "张*". Used wherever a personal field is shown to
    /// someone without the PII permission or written to the audit log.</summary>
    public static string Mask(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        var digits = value.Count(char.IsDigit);
        if (digits >= 7 && value.Length >= 7) return string.Concat(value.AsSpan(0, 3), "****", value.AsSpan(value.Length - 4));
        return value.Length <= 1 ? "*" : string.Concat(value.AsSpan(0, 1), new string('*', Math.Min(value.Length - 1, 3)));
    }
}
