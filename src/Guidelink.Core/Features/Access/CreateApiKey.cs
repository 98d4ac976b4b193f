using Guidelink.Core.Features.Audit;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Features.Access;

/// <summary>Issues an API key for a machine (POS, mall) of the brand in scope. The plain key is returned
/// once and never stored.</summary>
public static class CreateApiKey
{
    public sealed record Request(string? Name, IReadOnlyList<string>? Scopes);
    public sealed record Response(Guid Id, string Name, string Key, IReadOnlyList<string> Scopes);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, TimeProvider clock)
    {
        public async Task<Outcome<Response>> HandleAsync(Request request, CancellationToken ct)
        {
            var errors = new FieldErrors().Required("name", request.Name, 100);
            var scopes = (request.Scopes ?? []).Select(s => s.Trim()).Where(s => s.Length > 0).ToList();
            if (scopes.Count == 0) errors.Add("scopes", $"name at least one of: {string.Join(", ", Permissions.All)}.");
            foreach (var unknown in scopes.Where(s => !Permissions.IsKnown(s))) errors.Add("scopes", $"'{unknown}' is not a scope.");
            if (errors.Any) return errors.ToOutcome<Response>();

            var now = clock.GetUtcNow();
            var tenant = db.TenantContext.Required;
            var (key, plain) = ApiKey.Create(tenant, request.Name!, scopes, now);
            db.ApiKeys.Add(key);
            AuditLog.Add(db, actors.Current, now, "ApiKey.Created", nameof(ApiKey), key.Id.ToString(), null,
                new { name = key.Name, prefix = key.Prefix, scopes = key.Scopes });
            await db.SaveChangesAsync(ct);
            return new Response(key.Id, key.Name, plain, key.ScopeSet.Order(StringComparer.Ordinal).ToList());
        }
    }
}
