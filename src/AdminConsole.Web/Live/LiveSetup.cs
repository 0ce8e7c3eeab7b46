using AdminConsole.Web.EventLog;
using AdminConsole.Web.Occupancy;
using AdminConsole.Web.Webhooks;

namespace AdminConsole.Web.Live;

/// <summary>The hub and its publisher, which mirror what the other features commit onto open pages.</summary>
public static class LiveSetup
{
    public static void AddLive(this WebApplicationBuilder builder)
    {
        builder.Services.AddSignalR();
        builder.Services.AddSingleton<LivePublisher>();
        builder.Services.AddSingleton<ConsoleConnections>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ConsoleConnections>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LivePublisher>());
        // The features publish through interfaces they own; the live pages are one implementation of each.
        builder.Services.AddSingleton<IWebhookActivityNotifier>(sp => sp.GetRequiredService<LivePublisher>());
        builder.Services.AddSingleton<IOccupancyNotifier>(sp => sp.GetRequiredService<LivePublisher>());
        builder.Services.AddSingleton<IAuditFeed>(sp => sp.GetRequiredService<LivePublisher>());
    }

    public static void MapLive(this WebApplication app) => app.MapHub<ConsoleHub>("/hubs/console");
}
