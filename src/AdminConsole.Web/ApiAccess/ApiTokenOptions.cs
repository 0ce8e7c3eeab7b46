using System.ComponentModel.DataAnnotations;

namespace AdminConsole.Web.ApiAccess;

/// <summary>The "ApiTokens" configuration section.</summary>
public sealed class ApiTokenOptions
{
    public const string Section = "ApiTokens";

    /// <summary>Requests one token may make per <see cref="Window"/> on <c>/realtime/trigger</c>; more get 429.</summary>
    [Range(1, 1_000_000)]
    public int PermitLimit { get; set; } = 120;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}
