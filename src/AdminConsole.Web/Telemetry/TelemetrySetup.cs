using AdminConsole.Web.Shared;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace AdminConsole.Web.Telemetry;

/// <summary>
/// Where the console's numbers go: every feature owns its instruments (a meter named <c>AdminConsole.{Feature}</c>,
/// created through <c>IMeterFactory</c>); this wires those meters, ASP.NET Core's and the runtime's to a Prometheus
/// scrape endpoint and, when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, to an OTLP collector. Features know nothing
/// of this folder: it finds their meters by name.
/// </summary>
public static class TelemetrySetup
{
    /// <summary>The prefix of every feature's meter name (the embedded local server's included).</summary>
    public const string MeterPrefix = "AdminConsole.";

    public static void AddTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // The standard variable, read from configuration so appsettings can set it too.
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName: builder.Configuration["OTEL_SERVICE_NAME"] ?? "adminconsole"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(MeterPrefix + "*")
                    .AddAspNetCoreInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddPrometheusExporter();
                if (otlp)
                    metrics.AddOtlpExporter();
            });
    }

    /// <summary>
    /// <c>GET /metrics</c> in Prometheus' text format, for signed-in Admins (a scraper signs in like a person, or
    /// scrapes the management port when <see cref="TelemetryOptions.MetricsPort"/> is set).
    /// </summary>
    public static void MapTelemetry(this WebApplication app)
    {
        var port = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<TelemetryOptions>>().Value.MetricsPort;
        var endpoint = app.MapPrometheusScrapingEndpoint("/metrics")
            // A scraper reads the status: 401 when signed out, never a 302 to the sign-in page.
            .DisableCookieRedirect();
        if (port is { } management)
            // Only on the management port, which the operator keeps off the public network; no sign-in there.
            endpoint.RequireHost($"*:{management}").AllowAnonymous();
        else
            endpoint.RequireAuthorization(Policies.Admin);
    }
}
