using AdminConsole.Web.EventLog;

namespace AdminConsole.Web.Webhooks;

public static class WebhooksSetup
{
    /// <summary>Webhook ingest: the receiver and the single writer that stores deliveries.</summary>
    public static void AddWebhooks(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddScoped<ILogBacklog, WebhookLogBacklog>();
        builder.Services.AddSingleton<WebhookReceiver>();
        builder.Services.AddSingleton<WebhookIngestor>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WebhookIngestor>());
    }

    public static void MapWebhooks(this WebApplication app)
    {
        app.MapPost("/pusher/webhook", (HttpContext context, WebhookReceiver receiver, CancellationToken ct) => receiver.ReceiveAsync(context, ct))
            .AllowAnonymous()
            .DisableAntiforgery()
            .WithName("PusherWebhook");
    }
}
