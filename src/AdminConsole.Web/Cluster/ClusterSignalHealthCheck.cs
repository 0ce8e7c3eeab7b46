using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AdminConsole.Web.Cluster;

/// <summary>
/// Readiness: Degraded while the change signal to the other instances is down (they then learn of membership changes
/// and ended sessions only when it is back, or after the snapshot's minute). Degraded, not Unhealthy: the instance
/// still serves every request correctly from the database.
/// </summary>
internal sealed class ClusterSignalHealthCheck(ClusterSignal signal) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(signal.Problem is { } problem
            ? HealthCheckResult.Degraded($"The change signal to other instances ({signal.Name}) is down: {problem}")
            : HealthCheckResult.Healthy($"Change signal: {signal.Name}."));
}
