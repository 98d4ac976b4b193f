using Guidelink.Core.Shared;

namespace Guidelink.Core.Features.Tenancy;

/// <summary>A brand. A platform table: it resolves a brand from outside, so it has no TenantId of its own.</summary>
public sealed class Tenant
{
    public const string DefaultTimeZone = "Asia/Shanghai";

    private Tenant() { }

    public TenantId Id { get; private set; }
    /// <summary>Short unique handle, used in URLs and the CLI (e.g. "qimu").</summary>
    public string Slug { get; private set; } = "";
    public string Name { get; private set; } = "";
    /// <summary>IANA zone for calendar figures: daily reports, months, daily caps.</summary>
    public string TimeZone { get; private set; } = DefaultTimeZone;
    public string Currency { get; private set; } = "CNY";
    public DateTimeOffset CreatedAt { get; private set; }

    public static Tenant Create(string slug, string name, string? timeZone, DateTimeOffset now) => new()
    {
        Id = TenantId.New(),
        Slug = slug.Trim().ToLowerInvariant(),
        Name = name.Trim(),
        TimeZone = string.IsNullOrWhiteSpace(timeZone) ? DefaultTimeZone : timeZone.Trim(),
        CreatedAt = now,
    };

    public TimeZoneInfo Zone => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);

    public static bool IsKnownTimeZone(string zone) => TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _);
}
