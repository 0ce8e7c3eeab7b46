using System.ComponentModel.DataAnnotations;

namespace AdminConsole.Web.Transport;

/// <summary>HTTPS outside Development (section "Https").</summary>
public sealed class HttpsSettings
{
    public const string Section = "Https";

    /// <summary>
    /// Outside Development: redirect plain HTTP to HTTPS and send Strict-Transport-Security on HTTPS responses.
    /// Turn off only where something else in front does both.
    /// </summary>
    public bool Enforce { get; set; } = true;

    /// <summary>How long browsers remember to use HTTPS only (the HSTS max-age).</summary>
    [Range(typeof(TimeSpan), "00:05:00", "730.00:00:00")]
    public TimeSpan HstsMaxAge { get; set; } = TimeSpan.FromDays(365);
}
