using System.Text.Json;
using Guidelink.Core.Features.Access;
using Guidelink.Core.Persistence;

namespace Guidelink.Core.Features.Audit;

/// <summary>Writes an explicit audit line for an action that is not simply "an audited entity changed"
/// (a key issued, a profile edited with masked personal fields). Commits with the caller's SaveChanges.</summary>
public static class AuditLog
{
    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Add(GuidelinkDb db, Actor? actor, DateTimeOffset now, string action, string entityType, string entityId, object? before, object? after)
    {
        db.AuditEntries.Add(AuditEntry.Create(db.TenantContext.Required, now,
            actor?.Kind.ToString() ?? "System", actor?.AuditId ?? "", actor?.Name ?? "system",
            action, entityType, entityId,
            before is null ? null : JsonSerializer.Serialize(before, Json),
            after is null ? null : JsonSerializer.Serialize(after, Json)));
    }
}
