using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AdminConsole.Web.Cluster;

/// <summary>
/// Readiness, when Redis is configured: a PING within <see cref="Timeout"/>. Without Redis the console still stores
/// webhooks and answers every request; only live pages on other instances and the change signal wait, so a Redis
/// outage is Degraded (still 200: a load balancer keeps the instances) with the reason, never a failure of the probe.
/// </summary>
internal sealed class RedisHealthCheck(RedisConnection redis) : IHealthCheck
{
    internal static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var connection = await redis.GetAsync().WaitAsync(Timeout, cancellationToken);
            if (!connection.IsConnected)
                return HealthCheckResult.Degraded("Redis is not connected: live pages and change signals between instances are paused.");
            var started = Stopwatch.GetTimestamp();
            await connection.GetDatabase().PingAsync().WaitAsync(Timeout, cancellationToken);
            return HealthCheckResult.Healthy($"Redis answered in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0.0} ms.");
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            // The exception names the endpoint and the failure, not the password.
            return HealthCheckResult.Degraded("Redis did not answer: " + e.GetType().Name);
        }
    }
}
