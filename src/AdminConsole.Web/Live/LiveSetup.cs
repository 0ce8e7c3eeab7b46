namespace AdminConsole.Web.Live;

/// <summary>The hub and its publisher. Safe to call from more than one feature's setup (the event log also maps the hub).</summary>
public static class LiveSetup
{
    public static void AddLive(this WebApplicationBuilder builder)
    {
        if (builder.Services.Any(d => d.ServiceType == typeof(LivePublisher)))
            return;
        builder.Services.AddSignalR();
        builder.Services.AddSingleton<LivePublisher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LivePublisher>());
    }

    public static void MapLive(this WebApplication app)
    {
        var marker = app.Services.GetRequiredService<LivePublisher>();
        if (marker.HubMapped)
            return;
        marker.HubMapped = true;
        app.MapHub<ConsoleHub>("/hubs/console");
    }
}
