namespace AdminConsole.Web.Live;

/// <summary>The hub and its publisher, which mirror what the other features commit onto open pages.</summary>
public static class LiveSetup
{
    public static void AddLive(this WebApplicationBuilder builder)
    {
        builder.Services.AddSignalR();
        builder.Services.AddSingleton<LivePublisher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LivePublisher>());
    }

    public static void MapLive(this WebApplication app) => app.MapHub<ConsoleHub>("/hubs/console");
}
