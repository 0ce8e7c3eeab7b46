using System.Globalization;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.Shared;

/// <summary>
/// The one way a page shows a time: the school's local time with the zone's name ("2026-11-30 10:05:41 Europe/Paris").
/// wwwroot/js/time.js writes the same text for times added in the browser, so a minute reads the same everywhere.
/// </summary>
public sealed class SchoolTime(IOptions<SchoolOptions> options)
{
    private const string Pattern = "yyyy-MM-dd HH:mm:ss";

    public string ZoneId { get; } = options.Value.TimeZone;

    public TimeZoneInfo Zone { get; } = TimeZoneInfo.FindSystemTimeZoneById(options.Value.TimeZone);

    public string Format(DateTimeOffset instant) =>
        TimeZoneInfo.ConvertTime(instant, Zone).ToString(Pattern, CultureInfo.InvariantCulture) + " " + ZoneId;

    /// <summary>The exact instant, shown on hover.</summary>
    public static string Utc(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString(Pattern, CultureInfo.InvariantCulture) + " UTC";

    /// <summary>The machine-readable instant of a &lt;time datetime&gt;.</summary>
    public static string Iso(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
