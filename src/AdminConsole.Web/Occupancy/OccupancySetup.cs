using AdminConsole.Channels;
using AdminConsole.Web.Pusher;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.Occupancy;

internal static class OccupancySetup
{
    public static void AddOccupancy(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ReconcileStatus>();
        builder.Services.AddSingleton<OccupancyReconciler>();
        builder.Services.AddOptions<ReconcileOptions>().BindConfiguration(ReconcileOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHostedService<PeriodicReconcile>();

        // Reconcile needs the Channels HTTP client. Pusher/PusherSetup is where it belongs and where the compose
        // feature registers it; until that is present this keeps reconcile working with the same mapping.
        if (!builder.Services.Any(d => d.ServiceType == typeof(ChannelsClient)))
        {
            builder.Services.AddOptions<ChannelsOptions>().Configure<IOptions<PusherOptions>>((c, p) =>
            {
                var o = p.Value;
                (c.AppId, c.Key, c.Secret) = (o.AppId?.Trim() ?? "", o.Key?.Trim() ?? "", o.Secret?.Trim() ?? "");
                (c.Cluster, c.Host, c.Port, c.Scheme, c.Timeout) = (o.Cluster, o.Host, o.Port, o.Scheme, o.Timeout);
                c.EncryptionMasterKeyBase64 = string.IsNullOrWhiteSpace(o.EncryptionMasterKeyBase64) ? null : o.EncryptionMasterKeyBase64.Trim();
            });
            builder.Services.AddHttpClient<ChannelsClient>();
        }
    }
}
