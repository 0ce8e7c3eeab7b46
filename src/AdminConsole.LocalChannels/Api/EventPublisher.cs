using AdminConsole.Channels;
using AdminConsole.LocalChannels.Protocol;
using AdminConsole.LocalChannels.State;

namespace AdminConsole.LocalChannels.Api;

/// <summary>Delivers server-triggered events to a channel's subscribers and fills cache channels.</summary>
public sealed class EventPublisher
{
    private readonly ChannelRegistry _channels;
    private readonly LastEventCache _cache;
    private readonly PusherSocketHandler _sockets;

    public EventPublisher(ChannelRegistry channels, LastEventCache cache, PusherSocketHandler sockets)
    {
        _channels = channels;
        _cache = cache;
        _sockets = sockets;
    }

    /// <summary>Sends one event to every subscriber of <paramref name="channel"/> except <paramref name="excludeSocketId"/>; returns how many got it.</summary>
    public int Publish(ChannelName channel, string eventName, string data, string? excludeSocketId)
    {
        if (channel.IsCache)
        {
            _cache.Store(channel.Value, eventName, data);
            _sockets.CacheFilled(channel.Value);
        }
        var state = _channels.Find(channel.Value);
        if (state is null) return 0;
        // Serialized once; each subscriber's queue holds the same bytes.
        var frame = Frames.Event(eventName, channel.Value, data);
        var sent = 0;
        foreach (var subscriber in state.Subscribers)
        {
            if (excludeSocketId is not null && string.Equals(subscriber.SocketId, excludeSocketId, StringComparison.Ordinal)) continue;
            subscriber.Send(frame);
            sent++;
        }
        return sent;
    }
}
