using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AdminConsole.Web.Cluster;

/// <summary>
/// The one Redis connection of this instance (a multiplexer: one socket for commands, one for subscriptions), shared
/// by the SignalR backplane and the change signal. Opened at the first use and retried in the background while Redis
/// is away (AbortOnConnectFail off), so Redis being down degrades live pages instead of stopping the console.
/// </summary>
public sealed class RedisConnection(IOptions<RedisOptions> options, ILogger<RedisConnection> logger) : IAsyncDisposable
{
    private readonly Lazy<Task<IConnectionMultiplexer>> _connection = new(() => ConnectAsync(options.Value, logger));

    public RedisChannel Channel(string name) => RedisChannel.Literal(options.Value.ChannelPrefix + ":" + name);

    public Task<IConnectionMultiplexer> GetAsync() => _connection.Value;

    private static async Task<IConnectionMultiplexer> ConnectAsync(RedisOptions options, ILogger logger)
    {
        var connection = await ConnectionMultiplexer.ConnectAsync(options.Parse());
        connection.ConnectionFailed += (_, e) =>
            logger.LogWarning("Redis connection lost ({Type}, {Failure}); retrying in the background.", e.ConnectionType, e.FailureType);
        connection.ConnectionRestored += (_, e) => logger.LogInformation("Redis connection restored ({Type}).", e.ConnectionType);
        if (!connection.IsConnected)
            logger.LogWarning("Redis is not reachable at start; live pages and change signals between instances wait for it.");
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection.IsValueCreated)
            await (await _connection.Value).DisposeAsync();
    }
}
