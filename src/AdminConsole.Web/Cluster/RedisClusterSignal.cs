using StackExchange.Redis;

namespace AdminConsole.Web.Cluster;

/// <summary>
/// The change signal over Redis pub/sub, on the connection the SignalR backplane uses, on the channel
/// <c>{Redis:ChannelPrefix}:changes</c>. The multiplexer reconnects and resubscribes by itself; when its subscription
/// link comes back this instance resynchronizes (<see cref="ClusterSignal"/>).
/// </summary>
internal sealed class RedisClusterSignal(RedisConnection redis, ILogger<RedisClusterSignal> logger) : ClusterSignal(logger)
{
    private const string ChannelName = "changes";
    private static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(1);

    public override bool ReachesOtherInstances => true;
    public override string Name => "Redis pub/sub";

    private IConnectionMultiplexer? _connection;

    /// <summary>
    /// The subscription link as it is now: the multiplexer raises its failed and restored events on the thread pool,
    /// so a "failed" can be handled after the "restored" that followed it (seen in a test run); the flag they set alone
    /// would then stay down.
    /// </summary>
    public override string? Problem => _connection is { } c && c.GetSubscriber().IsConnected(redis.Channel(ChannelName))
        ? null
        : base.Problem ?? "the Redis subscription link is down";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var connection = await redis.GetAsync().WaitAsync(stoppingToken);
        connection.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription)
                Disconnected($"{e.FailureType} on {e.EndPoint}");
        };
        connection.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription)
                _ = ConnectedAsync();
        };
        while (true)
        {
            try
            {
                var queue = await connection.GetSubscriber().SubscribeAsync(redis.Channel(ChannelName));
                // One message at a time, in the order published (a queue, unlike a concurrent handler).
                queue.OnMessage(m => Received(m.Message));
                break;
            }
            catch (RedisException e)
            {
                Disconnected(e.GetType().Name);
                await Task.Delay(RetryEvery, stoppingToken);
            }
        }
        _connection = connection; // subscribed: from now on the link's state is the subscriber's
        if (connection.IsConnected)
            await ConnectedAsync();
    }

    protected override async Task SendAsync(string message)
    {
        var connection = await redis.GetAsync();
        await connection.GetSubscriber().PublishAsync(redis.Channel(ChannelName), message);
    }
}
