using System.ComponentModel.DataAnnotations;

namespace AdminConsole.Web.Telemetry;

/// <summary>The "Telemetry" configuration section.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>
    /// Unset (the default): <c>/metrics</c> is served with the pages and needs a signed-in Admin. Set: served only on
    /// this port, without sign-in, for a scraper on a private network; the console must also listen there (add
    /// <c>http://0.0.0.0:{port}</c> to <c>ASPNETCORE_URLS</c>).
    /// </summary>
    [Range(1, 65535)]
    public int? MetricsPort { get; set; }
}
