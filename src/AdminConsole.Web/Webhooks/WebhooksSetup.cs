using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;

namespace AdminConsole.Web.Webhooks;

public static class WebhooksSetup
{
    /// <summary>Webhook ingest: the receiver and the single writer that stores deliveries.</summary>
    public static void AddWebhooks(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddScoped<ILogBacklog, WebhookLogBacklog>();
        builder.Services.AddPerProvider<IIngestStore, SqliteIngestStatements.Store, PostgresIngestStatements.Store>();
        builder.Services.AddSingleton<WebhookReceiver>();
        builder.Services.AddSingleton<WebhookIngestor>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WebhookIngestor>());
        builder.Services.AddSingleton<WebhookMetrics>();
        // After the writer: hosted services stop in reverse order, so the last minute's refusals are handed to a writer still running.
        builder.Services.AddSingleton<WebhookRejectionLog>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WebhookRejectionLog>());
        builder.Services.AddHealthChecks().AddCheck<WebhookLogLagCheck>("webhook-log", tags: ["ready"]);
    }

    public static void MapWebhooks(this WebApplication app)
    {
        app.MapPost("/pusher/webhook", (HttpContext context, WebhookReceiver receiver, CancellationToken ct) => receiver.ReceiveAsync(context, ct))
            .AllowAnonymous()
            .DisableAntiforgery()
            .WithName("PusherWebhook");
    }
}
