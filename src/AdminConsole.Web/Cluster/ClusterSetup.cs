using AdminConsole.Web.Data;

namespace AdminConsole.Web.Cluster;

/// <summary>
/// What several instances behind one address share beyond the database: the Redis connection (when configured) and
/// the change signal between instances, chosen here once (<see cref="ClusterSignal"/>). The SignalR backplane on the
/// same connection is the Live feature's (<c>AddLive</c>).
/// </summary>
public static class ClusterSetup
{
    public static void AddCluster(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var health = services.AddHealthChecks();
        if (RedisOf(builder.Configuration).Enabled)
        {
            services.AddSingleton<RedisConnection>();
            services.AddSingleton<ClusterSignal, RedisClusterSignal>();
            health.AddCheck<RedisHealthCheck>("redis", tags: ["ready"]);
        }
        else
        {
            services.AddSingleton<ClusterSignal>(sp => sp.GetRequiredService<StorageProvider>().Kind == DatabaseProvider.Postgres
                ? ActivatorUtilities.CreateInstance<PostgresClusterSignal>(sp)
                : ActivatorUtilities.CreateInstance<InProcessClusterSignal>(sp));
        }
        services.AddHostedService(sp => sp.GetRequiredService<ClusterSignal>());
        health.AddCheck<ClusterSignalHealthCheck>("cluster-signal", tags: ["ready"]);
    }

    /// <summary>The Redis settings as configured (validated at start by the options registered above).</summary>
    public static RedisOptions RedisOf(IConfiguration configuration) =>
        configuration.GetSection(RedisOptions.Section).Get<RedisOptions>() ?? new RedisOptions();
}
