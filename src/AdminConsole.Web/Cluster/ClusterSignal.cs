using System.Collections.Concurrent;

namespace AdminConsole.Web.Cluster;

/// <summary>
/// What one instance tells the others that share its database: "memberships changed", "this session ended". The
/// seam is chosen once at start (<see cref="ClusterSetup"/>): Redis pub/sub when <c>Redis:Configuration</c> is set,
/// PostgreSQL LISTEN/NOTIFY when the provider is PostgreSQL without Redis, nothing for SQLite (one process owns the
/// file, so there is nobody to tell). A feature subscribes to a topic of its own; a message reaches every other
/// instance, never the one that sent it (its own save already took effect there).
/// Signals are hints, not a log: one can be lost while a link is down. So whenever an instance (re)connects it tells
/// its own subscribers to resynchronize (reload what they cache: they may have missed a message) and tells every other
/// instance to do the same (what it sent meanwhile may have been lost).
/// </summary>
public abstract partial class ClusterSignal(ILogger logger) : BackgroundService
{
    /// <summary>The topic of "resynchronize": sent by an instance that has just (re)connected.</summary>
    internal const string ResyncTopic = "*resync";

    private readonly ConcurrentDictionary<string, Subscription> _subscriptions = new(StringComparer.Ordinal);
    private volatile string? _problem = "not connected yet";

    /// <summary>Tells this process's messages apart from the others' (a Redis or PostgreSQL subscriber hears its own).</summary>
    internal string Origin { get; } = Guid.NewGuid().ToString("N");

    /// <summary>False for a single instance (SQLite): publishing does nothing, and nothing is ever received.</summary>
    public abstract bool ReachesOtherInstances { get; }

    /// <summary>Why the link to the other instances is down; null while it is up (or when there are no others).</summary>
    public virtual string? Problem => ReachesOtherInstances ? _problem : null;

    /// <summary>What the health check names: "Redis pub/sub", "PostgreSQL LISTEN/NOTIFY".</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Runs <paramref name="onMessage"/> with the payload of every message another instance publishes on
    /// <paramref name="topic"/>, and <paramref name="onResync"/> when messages may have been missed. Both run on the
    /// receiving thread: they must be quick and must not throw (start longer work without awaiting it).
    /// </summary>
    public void Subscribe(string topic, Action<string> onMessage, Action onResync) =>
        _subscriptions[topic] = new Subscription(onMessage, onResync);

    /// <summary>Tells the other instances; never throws (a lost signal is caught up by the resync and the caches' expiry).</summary>
    public async Task PublishAsync(string topic, string payload = "")
    {
        if (!ReachesOtherInstances)
            return;
        try
        {
            await SendAsync(Origin + "\n" + topic + "\n" + payload);
        }
        catch (Exception e)
        {
            LogPublishFailed(logger, e, topic);
        }
    }

    protected abstract Task SendAsync(string message);

    /// <summary>A message as it arrived from the transport: dropped when it is ours or malformed.</summary>
    protected void Received(string? message)
    {
        var parts = message?.Split('\n', 3);
        if (parts is not { Length: 3 } || parts[0] == Origin)
            return;
        if (parts[1] == ResyncTopic)
        {
            ResyncSubscribers();
            return;
        }
        if (_subscriptions.TryGetValue(parts[1], out var subscription))
            Run(() => subscription.OnMessage(parts[2]), parts[1]);
    }

    /// <summary>The link is up (first time or again): this instance resynchronizes and asks the others to.</summary>
    protected async Task ConnectedAsync()
    {
        var wasDown = _problem;
        _problem = null;
        LogConnected(logger, Name, wasDown ?? "");
        ResyncSubscribers();
        await PublishAsync(ResyncTopic);
    }

    protected void Disconnected(string why)
    {
        if (_problem is null)
            LogDisconnected(logger, Name, why);
        _problem = why;
    }

    private void ResyncSubscribers()
    {
        foreach (var (topic, subscription) in _subscriptions)
            Run(subscription.OnResync, topic);
    }

    private void Run(Action action, string topic)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            LogHandlerFailed(logger, e, topic);
        }
    }

    private sealed record Subscription(Action<string> OnMessage, Action OnResync);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing the change signal {Topic} to the other instances failed; they catch up when the link is back or their caches expire.")]
    private static partial void LogPublishFailed(ILogger logger, Exception e, string topic);

    [LoggerMessage(Level = LogLevel.Error, Message = "Handling the change signal {Topic} failed.")]
    private static partial void LogHandlerFailed(ILogger logger, Exception e, string topic);

    [LoggerMessage(Level = LogLevel.Information, Message = "Change signal between instances connected ({Name}); caches resynchronized. Was: {WasDown}")]
    private static partial void LogConnected(ILogger logger, string name, string wasDown);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Change signal between instances lost ({Name}): {Why}. Reconnecting.")]
    private static partial void LogDisconnected(ILogger logger, string name, string why);
}

/// <summary>One instance on SQLite: nobody else to tell.</summary>
internal sealed class InProcessClusterSignal(ILogger<InProcessClusterSignal> logger) : ClusterSignal(logger)
{
    public override bool ReachesOtherInstances => false;
    public override string Name => "none (one instance)";
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;
    protected override Task SendAsync(string message) => Task.CompletedTask;
}
