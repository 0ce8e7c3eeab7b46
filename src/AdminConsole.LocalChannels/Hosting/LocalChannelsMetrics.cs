using System.Diagnostics.Metrics;

namespace AdminConsole.LocalChannels;

/// <summary>
/// The local server's instruments (meter <c>AdminConsole.LocalChannels</c>): a host that collects metrics by that
/// name (the console does) sees its connections and messages.
/// </summary>
public sealed class LocalChannelsMetrics
{
    public const string MeterName = "AdminConsole.LocalChannels";

    private static readonly KeyValuePair<string, object?> Received = new("direction", "received");
    private static readonly KeyValuePair<string, object?> Sent = new("direction", "sent");

    private readonly UpDownCounter<long> _connections;
    private readonly Counter<long> _messages;

    public LocalChannelsMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _connections = meter.CreateUpDownCounter<long>("adminconsole.local_channels.connections", "{connection}",
            "Open WebSocket connections to the local Channels server.");
        _messages = meter.CreateCounter<long>("adminconsole.local_channels.messages", "{message}",
            "Protocol messages received from clients and sent to them.");
    }

    internal void Connected() => _connections.Add(1);

    internal void Disconnected() => _connections.Add(-1);

    internal void MessageReceived() => _messages.Add(1, Received);

    internal void MessageSent() => _messages.Add(1, Sent);
}
