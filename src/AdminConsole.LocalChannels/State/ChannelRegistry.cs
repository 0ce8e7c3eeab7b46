using System.Collections.Concurrent;
using AdminConsole.LocalChannels.Protocol;

namespace AdminConsole.LocalChannels.State;

/// <summary>One occupied channel: its subscribers (an immutable snapshot for lock-free fan-out) and, for presence, its roster.</summary>
public sealed class ChannelState
{
    internal readonly object Gate = new();
    private PusherConnection[] _subscribers = [];

    internal ChannelState(string name, bool isPresence)
    {
        Name = name;
        Presence = isPresence ? new PresenceRoster() : null;
    }

    public string Name { get; }

    /// <summary>Null unless this is a presence channel. Read it only under <see cref="Gate"/>.</summary>
    internal PresenceRoster? Presence { get; }

    /// <summary>Set when the channel emptied and left the registry, so a late subscriber retries with a fresh state.</summary>
    internal bool Removed { get; set; }

    /// <summary>The current subscribers; replaced, never mutated, so readers need no lock.</summary>
    internal PusherConnection[] Subscribers => Volatile.Read(ref _subscribers);

    public int SubscriptionCount => Subscribers.Length;

    internal void AddSubscriber(PusherConnection c) => Volatile.Write(ref _subscribers, [.. _subscribers, c]);

    internal bool RemoveSubscriber(PusherConnection c)
    {
        var index = Array.IndexOf(_subscribers, c);
        if (index < 0) return false;
        var next = new PusherConnection[_subscribers.Length - 1];
        Array.Copy(_subscribers, 0, next, 0, index);
        Array.Copy(_subscribers, index + 1, next, index, _subscribers.Length - index - 1);
        Volatile.Write(ref _subscribers, next);
        return true;
    }
}

/// <summary>All occupied channels of the app. A channel exists here exactly while it has at least one subscriber.</summary>
public sealed class ChannelRegistry
{
    private readonly ConcurrentDictionary<string, ChannelState> _channels = new(StringComparer.Ordinal);

    public ChannelState? Find(string channel) => _channels.TryGetValue(channel, out var s) ? s : null;

    public IEnumerable<ChannelState> Occupied() => _channels.Values.Where(c => c.SubscriptionCount > 0);

    /// <summary>
    /// Runs <paramref name="mutate"/> under the channel's lock, creating the channel if needed, and drops the channel
    /// from the registry when it is left empty. Retries when it raced with the channel being removed.
    /// </summary>
    internal T Mutate<T>(string channel, bool isPresence, Func<ChannelState, T> mutate)
    {
        while (true)
        {
            var state = _channels.GetOrAdd(channel, static (name, presence) => new ChannelState(name, presence), isPresence);
            lock (state.Gate)
            {
                if (state.Removed) continue;
                var result = mutate(state);
                if (state.Subscribers.Length == 0)
                {
                    state.Removed = true;
                    _channels.TryRemove(new KeyValuePair<string, ChannelState>(channel, state));
                }
                return result;
            }
        }
    }

    /// <summary>Like <see cref="Mutate{T}"/> but never creates a channel; returns default when the channel is not occupied.</summary>
    internal T? MutateExisting<T>(string channel, Func<ChannelState, T> mutate)
    {
        if (!_channels.TryGetValue(channel, out var state)) return default;
        lock (state.Gate)
        {
            if (state.Removed) return default;
            var result = mutate(state);
            if (state.Subscribers.Length == 0)
            {
                state.Removed = true;
                _channels.TryRemove(new KeyValuePair<string, ChannelState>(channel, state));
            }
            return result;
        }
    }

    /// <summary>Presence user ids of a channel (empty when unoccupied).</summary>
    public IReadOnlyList<string> PresenceUserIds(string channel)
    {
        var state = Find(channel);
        if (state?.Presence is null) return [];
        lock (state.Gate) return state.Presence.UserIds();
    }

    public int PresenceUserCount(string channel)
    {
        var state = Find(channel);
        if (state?.Presence is null) return 0;
        lock (state.Gate) return state.Presence.Count;
    }
}

/// <summary>The last event triggered on each cache channel, kept for <see cref="LocalChannelsOptions.CacheTtl"/>.</summary>
public sealed class LastEventCache
{
    private readonly ConcurrentDictionary<string, CachedEvent> _events = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly TimeSpan _ttl;

    public LastEventCache(LocalChannelsOptions options, TimeProvider time)
    {
        _time = time;
        _ttl = options.CacheTtl;
    }

    public void Store(string channel, string eventName, string data) =>
        _events[channel] = new CachedEvent(eventName, data, _time.GetUtcNow() + _ttl);

    public CachedEvent? Get(string channel)
    {
        if (!_events.TryGetValue(channel, out var e)) return null;
        if (e.ExpiresAt > _time.GetUtcNow()) return e;
        _events.TryRemove(new KeyValuePair<string, CachedEvent>(channel, e));
        return null;
    }

    /// <summary>Whole seconds left, as Pusher reports <c>ttl</c>.</summary>
    public int RemainingSeconds(CachedEvent e) => Math.Max(0, (int)Math.Ceiling((e.ExpiresAt - _time.GetUtcNow()).TotalSeconds));
}

public sealed record CachedEvent(string EventName, string Data, DateTimeOffset ExpiresAt);

/// <summary>Open connections by socket id and by signed-in user.</summary>
public sealed class ConnectionRegistry(LocalChannelsMetrics metrics)
{
    private readonly ConcurrentDictionary<string, PusherConnection> _bySocket = new(StringComparer.Ordinal);

    internal LocalChannelsMetrics Metrics { get; } = metrics;

    public int Count => _bySocket.Count;

    public IEnumerable<PusherConnection> All => _bySocket.Values;

    internal bool TryAdd(PusherConnection c)
    {
        if (!_bySocket.TryAdd(c.SocketId, c)) return false;
        Metrics.Connected();
        return true;
    }

    internal void Remove(PusherConnection c)
    {
        if (_bySocket.TryRemove(new KeyValuePair<string, PusherConnection>(c.SocketId, c)))
            Metrics.Disconnected();
    }

    public bool Contains(string socketId) => _bySocket.ContainsKey(socketId);

    public IReadOnlyList<PusherConnection> OfUser(string userId) =>
        [.. _bySocket.Values.Where(c => string.Equals(c.UserId, userId, StringComparison.Ordinal))];
}
