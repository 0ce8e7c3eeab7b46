namespace AdminConsole.LocalChannels;

/// <summary>
/// Configuration of the local Pusher-protocol server (configuration section <c>LocalChannels</c>).
/// One server hosts exactly one app, as the console only ever uses one.
/// </summary>
public sealed class LocalChannelsOptions
{
    public const string SectionName = "LocalChannels";

    public string AppId { get; set; } = "local";
    public string Key { get; set; } = "local-key";
    public string Secret { get; set; } = "local-secret";

    /// <summary>Sent to clients in <c>pusher:connection_established</c>; Pusher sends 120.</summary>
    public TimeSpan ActivityTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>How long a silent client gets to answer our <c>pusher:ping</c> before we close it with 4201.</summary>
    public TimeSpan PongTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Client events (<c>client-*</c>, sent by one browser to the others on a channel) are off unless an operator
    /// turns them on, as on a new Pusher app: on by default, any student could broadcast to their class.
    /// </summary>
    public bool ClientEventsEnabled { get; set; }
    public int ClientEventsPerSecond { get; set; } = 10;
    public int MaxPresenceMembers { get; set; } = 100;
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Largest text frame a client may send; Pusher's limit on client events is 10 KB of data.</summary>
    public int MaxClientMessageBytes { get; set; } = 16 * 1024;

    /// <summary>Frames buffered for one slow client before it is disconnected rather than slowing every other client.</summary>
    public int MaxPendingFramesPerConnection { get; set; } = 4096;

    public LocalWebhookOptions Webhooks { get; set; } = new();
}

public sealed class LocalWebhookOptions
{
    public List<string> Urls { get; set; } = [];

    /// <summary>Pusher's "batch webhooks" app setting: several events in one request.</summary>
    public bool Batching { get; set; }
    public int MaxBatchSize { get; set; } = 50;

    /// <summary>With batching, how long the first event waits for others to share its request.</summary>
    public TimeSpan BatchWindow { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>channel_vacated / member_removed wait this long and are dropped if the channel/member comes back (Pusher: 3 s).</summary>
    public TimeSpan VacatedDelay { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Pusher's subscription_count webhook is opt-in per app.</summary>
    public bool SubscriptionCount { get; set; }

    public TimeSpan RetryFor { get; set; } = TimeSpan.FromMinutes(5);
    public TimeSpan InitialRetryDelay { get; set; } = TimeSpan.FromSeconds(1);
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>Events waiting for delivery; beyond this new events are dropped (and counted) instead of growing memory without bound.</summary>
    public int QueueCapacity { get; set; } = 10_000;
}
