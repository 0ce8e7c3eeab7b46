using System.ComponentModel.DataAnnotations;

namespace AdminConsole.Web.Compose;

/// <summary>Per-user send budget of the compose page and /realtime/trigger (section "Compose:RateLimit"), a token bucket.</summary>
public sealed class ComposeRateLimit
{
    public const string Section = "Compose:RateLimit";

    /// <summary>
    /// Sends (and history reloads) a user may make per <see cref="Window"/>. A teacher sends a handful of
    /// announcements a lesson; a runaway script should not flood the school.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int PermitLimit { get; set; } = 60;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}
