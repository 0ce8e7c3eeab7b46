namespace AdminConsole.Web.Occupancy;

internal static class OccupancySetup
{
    /// <summary>Reconcile uses the Channels HTTP client registered by Pusher/PusherSetup.</summary>
    public static void AddOccupancy(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ReconcileStatus>();
        builder.Services.AddSingleton<OccupancyReconciler>();
        builder.Services.AddOptions<ReconcileOptions>().BindConfiguration(ReconcileOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHostedService<PeriodicReconcile>();
    }
}
