using AdminConsole.Web.Data;
using AdminConsole.Web.Webhooks;

namespace AdminConsole.Web.Occupancy;

public static class OccupancySetup
{
    /// <summary>The projection's reconcile (on demand and periodic); it uses the Channels client registered by Pusher/PusherSetup.</summary>
    public static void AddOccupancy(this WebApplicationBuilder builder)
    {
        builder.Services.AddPerProvider<IOccupancyProjection, SqliteOccupancyProjection, PostgresOccupancyProjection>();
        builder.Services.AddSingleton<IWebhookProjection>(sp => sp.GetRequiredService<IOccupancyProjection>());
        builder.Services.AddSingleton<ReconcileStatus>();
        builder.Services.AddSingleton<OccupancyReconciler>();
        builder.Services.AddOptions<ReconcileOptions>().BindConfiguration(ReconcileOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHostedService<PeriodicReconcile>();
        builder.Services.AddHostedService<LocalStartReconcile>();
    }
}
