using AdminConsole.Web.Cluster;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Occupancy;
using AdminConsole.Web.Webhooks;
using StackExchange.Redis;
using BackplaneOptions = Microsoft.AspNetCore.SignalR.StackExchangeRedis.RedisOptions;

namespace AdminConsole.Web.Live;

/// <summary>The hub and its publisher, which mirror what the other features commit onto open pages.</summary>
public static class LiveSetup
{
    public static void AddLive(this WebApplicationBuilder builder)
    {
        var signalR = builder.Services.AddSignalR();
        var redis = ClusterSetup.RedisOf(builder.Configuration);
        if (redis.Enabled)
        {
            // Several instances: a message for a group or for all goes through Redis to every instance's connections,
            // so a webhook received by A updates a page connected to B. On the instance's one Redis connection, under
            // the console's channel prefix, so consoles sharing a Redis stay apart.
            signalR.AddStackExchangeRedis(o => o.Configuration.ChannelPrefix = RedisChannel.Literal(redis.ChannelPrefix));
            builder.Services.AddOptions<BackplaneOptions>().Configure<RedisConnection>((o, connection) =>
                o.ConnectionFactory = async _ => await connection.GetAsync());
        }
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
