namespace AdminConsole.Web.Live;

internal static class LiveSetup
{
    public static void AddLive(this WebApplicationBuilder builder)
    {
        builder.Services.AddSignalR();
        builder.Services.AddSingleton<LivePublisher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LivePublisher>());
    }

    public static void MapLive(this WebApplication app) => app.MapHub<ConsoleHub>("/hubs/console");
}
