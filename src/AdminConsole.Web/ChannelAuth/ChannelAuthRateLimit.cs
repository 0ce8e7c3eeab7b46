using System.ComponentModel.DataAnnotations;

namespace AdminConsole.Web.ChannelAuth;

/// <summary>Per-user rate limit of the two auth endpoints (section "ChannelAuth:RateLimit").</summary>
public sealed class ChannelAuthRateLimit
{
    public const string Section = "ChannelAuth:RateLimit";

    /// <summary>Requests a user may make per <see cref="Window"/>; a page subscribing to a dozen channels and reconnecting a few times stays well below.</summary>
    [Range(1, int.MaxValue)]
    public int PermitLimit { get; set; } = 120;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}
