using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Tenancy;

/// <summary>Creates a brand (CLI `tenant create`, the demo seed).</summary>
public static class CreateTenant
{
    public sealed record Request(string Slug, string Name, string? TimeZone);
    public sealed record Response(Guid Id, string Slug, string Name, string TimeZone);

    public sealed class Handler(GuidelinkDb db, TimeProvider clock)
    {
        public async Task<Outcome<Response>> HandleAsync(Request request, CancellationToken ct)
        {
            var errors = new FieldErrors()
                .Required("slug", request.Slug, 40)
                .Required("name", request.Name, 100);
            if (!string.IsNullOrWhiteSpace(request.Slug) && !System.Text.RegularExpressions.Regex.IsMatch(request.Slug.Trim(), "^[a-z0-9][a-z0-9-]*$"))
                errors.Add("slug", "may contain only lower-case letters, digits and '-'.");
            if (request.TimeZone is { Length: > 0 } zone && !Tenant.IsKnownTimeZone(zone))
                errors.Add("timeZone", $"'{zone}' is not a known time zone.");
            if (errors.Any) return errors.ToOutcome<Response>();

            var slug = request.Slug.Trim().ToLowerInvariant();
            if (await db.Tenants.AnyAsync(t => t.Slug == slug, ct))
                return Outcome<Response>.Conflict($"A brand with slug '{slug}' already exists.");

            var tenant = Tenant.Create(slug, request.Name, request.TimeZone, clock.GetUtcNow());
            db.Tenants.Add(tenant);
            await db.SaveChangesAsync(ct);
            return new Response(tenant.Id.Value, tenant.Slug, tenant.Name, tenant.TimeZone);
        }
    }
}
