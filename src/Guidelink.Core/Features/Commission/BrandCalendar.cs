namespace Guidelink.Core.Features.Commission;

/// <summary>The brand-time calendar that commission figures use (DOMAIN.md "Time windows"): tier months
/// and bounty daily caps are calendar periods in the brand's time zone, not in UTC.</summary>
public static class BrandCalendar
{
    /// <summary>The brand-time calendar day of an instant (the day a bounty cap counts against).</summary>
    public static DateOnly DayOf(DateTimeOffset at, TimeZoneInfo brandZone)
    {
        ArgumentNullException.ThrowIfNull(brandZone);
        return DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, brandZone).DateTime);
    }

    /// <summary>The instants [start, end) of the brand-time calendar day of <paramref name="at"/>.</summary>
    public static (DateTimeOffset Start, DateTimeOffset End) DayWindow(DateTimeOffset at, TimeZoneInfo brandZone)
    {
        var day = DayOf(at, brandZone);
        return (StartOf(day, brandZone), StartOf(day.AddDays(1), brandZone));
    }

    /// <summary>The instants [start, end) of the brand-time calendar month of <paramref name="at"/>: the month
    /// whose credited GMV before placedAt picks an order's tier (query [start, placedAt)).</summary>
    public static (DateTimeOffset Start, DateTimeOffset End) MonthWindow(DateTimeOffset at, TimeZoneInfo brandZone)
    {
        var day = DayOf(at, brandZone);
        var first = new DateOnly(day.Year, day.Month, 1);
        return (StartOf(first, brandZone), StartOf(first.AddMonths(1), brandZone));
    }

    /// <summary>The instant a brand-time calendar day begins (its local midnight), in UTC: the windows are compared with
    /// stored instants in queries, and PostgreSQL's timestamptz takes only UTC offsets.</summary>
    public static DateTimeOffset StartOf(DateOnly day, TimeZoneInfo brandZone)
    {
        ArgumentNullException.ThrowIfNull(brandZone);
        var midnight = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        // A midnight skipped by a daylight-saving jump does not exist; the day then starts at the first valid minute.
        while (brandZone.IsInvalidTime(midnight)) midnight = midnight.AddMinutes(1);
        return new DateTimeOffset(midnight, brandZone.GetUtcOffset(midnight)).ToUniversalTime();
    }
}
