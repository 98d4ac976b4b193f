using System.Reflection;
using System.Text.Json;
using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Guidelink.Core.Features.Audit;

/// <summary>Writes an <see cref="AuditEntry"/> for every added, changed or removed <see cref="IAudited"/>
/// entity in the same SaveChanges (so the change and its record commit together).</summary>
public sealed class AuditTrail(ActorContext actors, TimeProvider clock) : SaveChangesInterceptor
{
    // Readable in the database: Chinese names stay Chinese instead of \uXXXX escapes.
    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Record(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Record(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private void Record(DbContext? context)
    {
        if (context is null) return;
        var now = clock.GetUtcNow();
        var actor = actors.Current;
        var entries = context.ChangeTracker.Entries()
            .Where(e => e.Entity is IAudited && e.State is EntityState.Added or EntityState.Modified or EntityState.Deleted)
            .ToList();
        foreach (var entry in entries)
        {
            var tenant = ((ITenantOwned)entry.Entity).TenantId;
            var (before, after) = Describe(entry);
            if (entry.State == EntityState.Modified && before is null) continue; // nothing really changed
            var type = entry.Metadata.ClrType.Name;
            var verb = entry.State switch { EntityState.Added => "Created", EntityState.Deleted => "Deleted", _ => "Updated" };
            context.Add(AuditEntry.Create(tenant, now,
                actor?.Kind.ToString() ?? "System", actor?.AuditId ?? "", actor?.Name ?? "system",
                $"{type}.{verb}", type, ((IAudited)entry.Entity).AuditKey, before, after));
        }
    }

    private static (string? Before, string? After) Describe(EntityEntry entry)
    {
        var before = new Dictionary<string, object?>();
        var after = new Dictionary<string, object?>();
        foreach (var property in entry.Properties)
        {
            if (property.Metadata.IsPrimaryKey() && entry.State == EntityState.Modified) continue;
            var personal = property.Metadata.PropertyInfo?.GetCustomAttribute<PersonalDataAttribute>() is not null;
            object? Show(object? v) => personal ? AuditEntry.Mask(v?.ToString()) : Plain(v);
            switch (entry.State)
            {
                case EntityState.Added:
                    after[property.Metadata.Name] = Show(property.CurrentValue);
                    break;
                case EntityState.Deleted:
                    before[property.Metadata.Name] = Show(property.OriginalValue);
                    break;
                default:
                    if (property.IsModified && !Equals(property.OriginalValue, property.CurrentValue))
                    {
                        before[property.Metadata.Name] = Show(property.OriginalValue);
                        after[property.Metadata.Name] = Show(property.CurrentValue);
                    }
                    break;
            }
        }
        return (before.Count == 0 ? null : JsonSerializer.Serialize(before, Json), after.Count == 0 ? null : JsonSerializer.Serialize(after, Json));
    }

    private static object? Plain(object? value) => value switch
    {
        ITypedId id => id.Value,
        Enum e => e.ToString(),
        _ => value,
    };
}
