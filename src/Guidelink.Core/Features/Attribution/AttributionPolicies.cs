using Guidelink.Core.Features.Access;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Attribution;

public sealed record PolicyView(int Version, DateTimeOffset? EffectiveFrom, AttributionMode Mode, int ProtectionDays, IReadOnlyList<string> Precedence,
    bool AllowSelfReferral, int ManualTransfersPer90Days)
{
    public static PolicyView Of(AttributionPolicy p) => new(p.Version, p.Version == 0 ? null : p.EffectiveFrom, p.Mode, p.ProtectionDays,
        p.Precedence.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), p.AllowSelfReferral, p.ManualTransfersPer90Days);
}

/// <summary>The policy in force now and every version the brand has had.</summary>
public static class GetAttributionPolicies
{
    public sealed record Response(PolicyView Current, IReadOnlyList<PolicyView> Versions);

    public sealed class Handler(GuidelinkDb db, TimeProvider clock)
    {
        public async Task<Response> HandleAsync(CancellationToken ct)
        {
            var versions = await db.AttributionPolicies.AsNoTracking().OrderBy(p => p.Version).ToListAsync(ct);
            var now = clock.GetUtcNow();
            var current = versions.LastOrDefault(p => p.EffectiveFrom <= now) ?? AttributionPolicy.Default(db.TenantContext.Required);
            return new Response(PolicyView.Of(current), versions.Select(PolicyView.Of).ToList());
        }
    }
}

/// <summary>HQ changes the attribution rule: a new version that takes effect at an instant (now or later,
/// never in the past — decisions already made are never revised).</summary>
public static class SetAttributionPolicy
{
    public sealed record Request(string? Mode, int? ProtectionDays, IReadOnlyList<string>? Precedence, bool? AllowSelfReferral,
        int? ManualTransfersPer90Days, DateTimeOffset? EffectiveFrom);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, TimeProvider clock)
    {
        public async Task<Outcome<PolicyView>> HandleAsync(Request request, CancellationToken ct)
        {
            if (!actors.Current!.Scope.IsBrandWide) return Outcome<PolicyView>.Forbidden("Only HQ changes the attribution policy.");
            var now = clock.GetUtcNow();
            var errors = new FieldErrors();
            if (!Enum.TryParse<AttributionMode>(request.Mode, true, out var mode) || !Enum.IsDefined(mode))
                errors.Add("mode", $"must be one of {string.Join(", ", Enum.GetNames<AttributionMode>())}.");
            var days = request.ProtectionDays ?? AttributionPolicy.DefaultProtectionDays;
            if (days is < 1 or > 3650) errors.Add("protectionDays", "must be between 1 and 3650.");
            var precedence = request.Precedence ?? AttributionPolicy.DefaultPrecedence.Split(',');
            if (precedence.Any(k => !Enum.TryParse<OwnerKind>(k, false, out _)) || precedence.Distinct().Count() != precedence.Count)
                errors.Add("precedence", $"must list distinct owner kinds from {string.Join(", ", Enum.GetNames<OwnerKind>())}.");
            var transfers = request.ManualTransfersPer90Days ?? 2;
            if (transfers is < 0 or > 100) errors.Add("manualTransfersPer90Days", "must be between 0 and 100.");
            var from = request.EffectiveFrom ?? now;
            if (from < now - TimeSpan.FromMinutes(1)) errors.Add("effectiveFrom", "cannot be in the past: decisions already made are never revised.");
            if (errors.Any) return errors.ToOutcome<PolicyView>();

            var last = await db.AttributionPolicies.OrderByDescending(p => p.Version).FirstOrDefaultAsync(ct);
            if (last is not null && from < last.EffectiveFrom) return Outcome<PolicyView>.Invalid("effectiveFrom", "must not be before the latest version's.");
            var policy = AttributionPolicy.Create(db.TenantContext.Required, (last?.Version ?? 0) + 1, from, mode, days,
                string.Join(',', precedence), request.AllowSelfReferral ?? false, transfers);
            db.AttributionPolicies.Add(policy);
            try { await db.SaveChangesAsync(ct); }
            catch (DbUpdateException ex) when (DatabaseSetup.IsUniqueViolation(ex)) { return Outcome<PolicyView>.Conflict("Another version was saved at the same time; reload and try again."); }
            return PolicyView.Of(policy);
        }
    }
}
