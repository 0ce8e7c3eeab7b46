using AdminConsole.Web.EventLog;
using AdminConsole.Web.Live;
using Microsoft.Extensions.DependencyInjection.Extensions;
using AdminConsole.Web.Occupancy;

namespace AdminConsole.Web.Webhooks;

public static class WebhooksSetup
{
    /// <summary>Webhook ingest, the occupancy projection and reconcile, and the live hub that mirrors them.</summary>
    public static void AddWebhooks(this WebApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<AuditTrail>();
        builder.Services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<WebhookReceiver>();
        builder.Services.AddSingleton<WebhookIngestor>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WebhookIngestor>());
        builder.Services.AddSingleton<WebhookMetrics>();
        // After the writer: hosted services stop in reverse order, so the last minute's refusals are handed to a writer still running.
        builder.Services.AddSingleton<WebhookRejectionLog>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WebhookRejectionLog>());
        builder.AddOccupancy();
        builder.AddLive();
    }

    public static void MapWebhooks(this WebApplication app)
    {
        app.MapPost("/pusher/webhook", (HttpContext context, WebhookReceiver receiver, CancellationToken ct) => receiver.ReceiveAsync(context, ct))
            .AllowAnonymous()
            .DisableAntiforgery()
            .WithName("PusherWebhook");
        app.MapLive();
    }
}
