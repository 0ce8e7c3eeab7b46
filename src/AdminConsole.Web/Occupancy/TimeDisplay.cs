namespace AdminConsole.Web.Occupancy;

/// <summary>
/// Unix-ms times as pages render them: a &lt;time&gt; element with the UTC text (readable without script) and the
/// raw value in data-ms, which wwwroot/js/live.js turns into the viewer's local time.
/// </summary>
public static class TimeDisplay
{
    public static string Utc(long? ms) =>
        ms is null ? "" : DateTimeOffset.FromUnixTimeMilliseconds(ms.Value).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture);
}
