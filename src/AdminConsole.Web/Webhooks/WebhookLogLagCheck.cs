using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.Webhooks;

/// <summary>Readiness: Degraded while the event log trails the stored webhooks by more than Webhooks:ReadyMaxLogLag.</summary>
internal sealed class WebhookLogLagCheck(WebhookIngestor ingestor, IOptions<WebhookOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var lag = ingestor.LogLag;
        var max = options.Value.ReadyMaxLogLag;
        return Task.FromResult(lag > max
            ? HealthCheckResult.Degraded($"The event log trails the stored webhooks by {lag} deliveries (more than {max}).")
            : HealthCheckResult.Healthy($"The event log trails the stored webhooks by {lag} deliveries."));
    }
}
