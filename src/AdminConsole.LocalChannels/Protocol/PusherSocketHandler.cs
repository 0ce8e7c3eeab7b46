using System.Buffers;
using System.Globalization;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AdminConsole.Channels;
using AdminConsole.LocalChannels.State;
using AdminConsole.LocalChannels.Webhooks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AdminConsole.LocalChannels.Protocol;

/// <summary>Serves <c>/app/{key}</c>: the Pusher WebSocket protocol (versions 5–7) for one connection at a time.</summary>
public sealed class PusherSocketHandler
{
    private const int MinProtocol = 5;
    private const int MaxProtocol = 7;

    private readonly LocalChannelsOptions _options;
    private readonly ChannelRegistry _channels;
    private readonly ConnectionRegistry _connections;
    private readonly LastEventCache _cache;
    private readonly WebhookDispatcher _webhooks;
    private readonly TimeProvider _time;
    private readonly ILogger<PusherSocketHandler> _log;
    private readonly UserWatchlists _watchlists;
    private readonly SubscriptionSigner _signer;
    private readonly SubscriptionAuthorizer _authorizer;
    private readonly Lock _cacheMissGate = new();
    private readonly HashSet<string> _cacheMissReported = new(StringComparer.Ordinal);

    public PusherSocketHandler(LocalChannelsOptions options, ChannelRegistry channels, ConnectionRegistry connections, LastEventCache cache,
        WebhookDispatcher webhooks, TimeProvider time, UserWatchlists watchlists, ILogger<PusherSocketHandler> log)
    {
        _watchlists = watchlists;
        _options = options;
        _channels = channels;
        _connections = connections;
        _cache = cache;
        _webhooks = webhooks;
        _time = time;
        _log = log;
        // The server only verifies signatures and never hands out shared secrets, but the library's signer refuses
        // encrypted channels without a master key; a random one satisfies it without affecting the signature.
        _signer = new SubscriptionSigner(options.Key, options.Secret, RandomNumberGenerator.GetBytes(32));
        _authorizer = new SubscriptionAuthorizer(_signer);
    }

    public async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("WebSocket upgrade expected", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        var key = context.Request.RouteValues["key"] as string;
        var closeCode = CheckHandshake(key, context.Request.Query["protocol"]);
        if (closeCode is { } refused)
        {
            _log.LogDebug("Refused WebSocket handshake with {Code}: {Reason}", refused.Code, refused.Reason);
            // Protocol 6+ clients learn why from the close code alone.
            await CloseQuietly(socket, refused.Code, refused.Reason).ConfigureAwait(false);
            return;
        }

        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var connection = new PusherConnection(NewSocketId(), socket, _options.MaxPendingFramesPerConnection, _time, lifetime.Token);
        while (!_connections.TryAdd(connection))
        {
            connection = new PusherConnection(NewSocketId(), socket, _options.MaxPendingFramesPerConnection, _time, lifetime.Token);
        }

        try
        {
            connection.Send(Frames.ConnectionEstablished(connection.SocketId, Math.Max(1, (int)_options.ActivityTimeout.TotalSeconds)));
            _log.LogDebug("Connection {SocketId} established", connection.SocketId);
            await ReceiveLoopAsync(socket, connection, lifetime.Token).ConfigureAwait(false);
        }
        finally
        {
            Disconnect(connection);
            // Let queued frames (a close frame in particular) go out before the socket is disposed.
            connection.Close(1000, "Closing");
            try
            {
                await connection.Completion.WaitAsync(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
            await lifetime.CancelAsync().ConfigureAwait(false);
            _log.LogDebug("Connection {SocketId} closed", connection.SocketId);
        }
    }

    private (int Code, string Reason)? CheckHandshake(string? key, string? protocol)
    {
        if (!string.Equals(key, _options.Key, StringComparison.Ordinal)) return (4001, $"App key {key} not in this cluster");
        if (string.IsNullOrEmpty(protocol)) return (4008, "No protocol version supplied");
        if (!int.TryParse(protocol, NumberStyles.None, CultureInfo.InvariantCulture, out var version)) return (4006, "Invalid version string format");
        if (version is < MinProtocol or > MaxProtocol) return (4007, $"Unsupported protocol version {version}");
        return null;
    }

    private static string NewSocketId() =>
        string.Create(CultureInfo.InvariantCulture, $"{Random.Shared.Next(1, int.MaxValue)}.{Random.Shared.Next(1, int.MaxValue)}");

    private async Task ReceiveLoopAsync(WebSocket socket, PusherConnection connection, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(4096, _options.MaxClientMessageBytes));
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length >= _options.MaxClientMessageBytes)
                    {
                        connection.Close(1009, "Message too big");
                        return;
                    }
                    result = await socket.ReceiveAsync(buffer.AsMemory(length, Math.Min(buffer.Length, _options.MaxClientMessageBytes) - length), ct).ConfigureAwait(false);
                    if (result.MessageType == WebSocketMessageType.Close) return;
                    length += result.Count;
                } while (!result.EndOfMessage);

                connection.Touch();
                if (result.MessageType != WebSocketMessageType.Text)
                {
                    connection.Send(Frames.Error("Binary frames are not supported", null));
                    continue;
                }
                HandleMessage(connection, buffer.AsSpan(0, length));
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            // Peer vanished without a close handshake; treated like a close.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void HandleMessage(PusherConnection connection, ReadOnlySpan<byte> utf8)
    {
        string? eventName;
        string? channel = null;
        JsonElement data = default;
        try
        {
            var reader = new Utf8JsonReader(utf8);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("event", out var ev) || ev.ValueKind != JsonValueKind.String)
            {
                connection.Send(Frames.Error("Invalid message: an object with an event name is expected", null));
                return;
            }
            eventName = ev.GetString();
            if (root.TryGetProperty("channel", out var ch) && ch.ValueKind == JsonValueKind.String) channel = ch.GetString();
            if (root.TryGetProperty("data", out var d))
            {
                // Some clients send pusher:* data double-encoded as a string; accept both shapes.
                data = d.ValueKind == JsonValueKind.String && eventName is not null && eventName.StartsWith("pusher:", StringComparison.Ordinal)
                    ? TryParseObject(d.GetString()) ?? d.Clone()
                    : d.Clone();
            }
        }
        catch (JsonException)
        {
            connection.Send(Frames.Error("Invalid JSON", null));
            return;
        }

        switch (eventName)
        {
            case "pusher:ping":
                connection.Send(Frames.Pong());
                break;
            case "pusher:pong":
                break;
            case "pusher:subscribe":
                Subscribe(connection, data);
                break;
            case "pusher:unsubscribe":
                if (Str(data, "channel") is { } name) Unsubscribe(connection, name);
                break;
            case "pusher:signin":
                SignIn(connection, data);
                break;
            case not null when eventName.StartsWith("client-", StringComparison.Ordinal):
                ClientEvent(connection, eventName, channel, data);
                break;
            default:
                // Unknown events are ignored, as Pusher does, so newer clients keep working.
                break;
        }
    }

    private static JsonElement? TryParseObject(string? json)
    {
        if (string.IsNullOrEmpty(json)) return null;
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.ValueKind == JsonValueKind.Object ? doc.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Str(JsonElement data, string property) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private void Subscribe(PusherConnection connection, JsonElement data)
    {
        var channel = Str(data, "channel");
        if (!ChannelName.TryParse(channel, out var name, out var error))
        {
            connection.Send(Frames.SubscriptionError(channel ?? string.Empty, "InvalidChannel", error, 400));
            return;
        }
        if (connection.IsSubscribed(channel))
        {
            connection.Send(Frames.Error($"Existing subscription to channel {channel}", null));
            return;
        }
        var check = _authorizer.Check(connection, channel, name.Kind, Str(data, "auth"), Str(data, "channel_data"));
        if (check.Refusal is { } refusal)
        {
            connection.Send(refusal);
            return;
        }
        if (Join(connection, channel, name.Kind == ChannelKind.Presence, check) == SubscribeOutcome.Full)
        {
            connection.Send(Frames.SubscriptionError(channel, "LimitReached", $"Presence channel {channel} has reached its {_options.MaxPresenceMembers} members", 4100));
            return;
        }
        if (name.IsCache) SendLastEvent(connection, channel);
    }

    /// <summary>Adds the subscriber (and on presence channels the member), with the webhooks and frames that follow.</summary>
    private SubscribeOutcome Join(PusherConnection connection, string channel, bool isPresence, SubscriptionCheck granted) =>
        _channels.Mutate(channel, isPresence, state =>
        {
            var presence = state.Presence;
            if (presence is not null && !presence.Contains(granted.UserId!) && presence.Count >= _options.MaxPresenceMembers)
            {
                return SubscribeOutcome.Full;
            }
            var first = state.Subscribers.Length == 0;
            state.AddSubscriber(connection);
            connection.AddChannel(channel);
            var joined = presence?.Add(connection.SocketId, granted.UserId!, granted.UserInfoJson) ?? false;
            // Webhooks are reported before any frame tells a client about the event: the dispatcher takes the
            // URLs configured at that moment, and a client must never see an event whose targets are still open.
            if (first) _webhooks.ChannelOccupied(channel);

            if (presence is not null)
            {
                if (joined)
                {
                    _webhooks.MemberAdded(channel, granted.UserId!);
                    var added = Frames.Event("pusher_internal:member_added", channel, Frames.Json(w =>
                    {
                        w.WriteStartObject();
                        w.WriteString("user_id", granted.UserId);
                        if (granted.UserInfoJson is not null)
                        {
                            w.WritePropertyName("user_info");
                            w.WriteRawValue(granted.UserInfoJson, skipInputValidation: true);
                        }
                        w.WriteEndObject();
                    }));
                    foreach (var other in state.Subscribers)
                    {
                        if (!ReferenceEquals(other, connection)) other.Send(added);
                    }
                }
                connection.Send(Frames.Event("pusher_internal:subscription_succeeded", channel, Frames.Json(presence.WriteSubscriptionData)));
            }
            else
            {
                // The count's webhook is recorded before the client hears it is subscribed, as every webhook is.
                SubscriptionCountChanged(state, beforeBroadcast: () =>
                    connection.Send(Frames.Event("pusher_internal:subscription_succeeded", channel, "{}")));
            }
            return SubscribeOutcome.Subscribed;
        });

    /// <summary>A cache channel's new subscriber gets its last event, or a cache miss (and the miss webhook).</summary>
    private void SendLastEvent(PusherConnection connection, string channel)
    {
        if (_cache.Get(channel) is { } cached)
        {
            connection.Send(Frames.Event(cached.EventName, channel, cached.Data));
            return;
        }
        bool report;
        // One webhook per miss: further subscribers before the next trigger would report the same miss.
        lock (_cacheMissGate) report = _cacheMissReported.Add(channel);
        if (report) _webhooks.CacheMiss(channel);
        connection.Send(Frames.Event("pusher:cache_miss", channel, null));
    }

    /// <summary>Called when a cache channel gets a new event, so the next miss is reported again.</summary>
    internal void CacheFilled(string channel)
    {
        lock (_cacheMissGate) _cacheMissReported.Remove(channel);
    }

    /// <param name="beforeBroadcast">Sent after the webhook is recorded and before the count frames go out.</param>
    private void SubscriptionCountChanged(ChannelState state, Action? beforeBroadcast = null)
    {
        if (!_options.Webhooks.SubscriptionCount)
        {
            beforeBroadcast?.Invoke();
            return;
        }
        var count = state.Subscribers.Length;
        _webhooks.SubscriptionCount(state.Name, count);
        beforeBroadcast?.Invoke();
        if (count == 0) return;
        var frame = Frames.Event("pusher_internal:subscription_count", state.Name,
            Frames.Json(w => { w.WriteStartObject(); w.WriteNumber("subscription_count", count); w.WriteEndObject(); }));
        foreach (var c in state.Subscribers) c.Send(frame);
    }

    /// <summary>Removes one subscription: presence leave, vacated webhook and subscription count as needed.</summary>
    internal void Unsubscribe(PusherConnection connection, string channel)
    {
        if (!connection.RemoveChannel(channel)) return;
        _channels.MutateExisting(channel, state =>
        {
            if (!state.RemoveSubscriber(connection)) return false;
            if (state.Presence is { } presence && presence.Remove(connection.SocketId) is { } leftUser)
            {
                _webhooks.MemberRemoved(channel, leftUser);
                var removed = Frames.Event("pusher_internal:member_removed", channel,
                    Frames.Json(w => { w.WriteStartObject(); w.WriteString("user_id", leftUser); w.WriteEndObject(); }));
                foreach (var other in state.Subscribers) other.Send(removed);
            }
            if (state.Presence is null) SubscriptionCountChanged(state);
            if (state.Subscribers.Length == 0) _webhooks.ChannelVacated(channel);
            return true;
        });
    }

    private void Disconnect(PusherConnection connection)
    {
        foreach (var channel in connection.ChannelsSnapshot()) Unsubscribe(connection, channel);
        _watchlists.Disconnected(connection);
        _connections.Remove(connection);
    }

    private void SignIn(PusherConnection connection, JsonElement data)
    {
        var auth = Str(data, "auth");
        var userData = Str(data, "user_data");
        if (userData is null)
        {
            connection.Send(Frames.Error("pusher:signin needs user_data", 4009));
            return;
        }
        var expected = _signer.AuthenticateUserData(connection.SocketId, userData).Auth;
        if (!SubscriptionAuthorizer.SignatureMatches(expected, auth))
        {
            connection.Send(Frames.Error($"Invalid signature: Expected HMAC SHA256 hex digest of {connection.SocketId}::user::{userData}, but got {auth}", 4009));
            return;
        }
        string? id = null;
        var watchlist = new List<string>();
        var watchlistTooLong = false;
        try
        {
            using var doc = JsonDocument.Parse(userData);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("id", out var idEl) && idEl.ValueKind == JsonValueKind.String)
            {
                id = idEl.GetString();
            }
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("watchlist", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var watched in list.EnumerateArray())
                {
                    if (watched.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(watched.GetString())) continue;
                    if (watchlist.Count == UserWatchlists.MaxWatchlist)
                    {
                        watchlistTooLong = true;
                        break;
                    }
                    watchlist.Add(watched.GetString()!);
                }
            }
        }
        catch (JsonException)
        {
        }
        if (string.IsNullOrEmpty(id) || id.Length > 128 || !id.All(ChannelName.IsChannelChar))
        {
            connection.Send(Frames.Error("user_data must be a JSON object with a non-empty string id", 4009));
            return;
        }
        // A second sign-in on the same connection replaces the first one.
        if (connection.UserId is not null) _watchlists.Disconnected(connection);
        connection.UserId = id;
        connection.Send(Frames.Event("pusher:signin_success", null, Frames.Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("user_data", userData);
            w.WriteEndObject();
        })));
        if (watchlistTooLong) connection.Send(Frames.Error($"Watchlist longer than {UserWatchlists.MaxWatchlist} user ids; only the first {UserWatchlists.MaxWatchlist} are watched", 4302));
        _watchlists.SignedIn(connection, id, watchlist);
    }

    private void ClientEvent(PusherConnection connection, string eventName, string? channel, JsonElement data)
    {
        if (!_options.ClientEventsEnabled)
        {
            connection.Send(Frames.Error("To send client events, you must enable this feature in the Settings page of your dashboard.", null));
            return;
        }
        if (channel is null || !ChannelName.TryParse(channel, out var name, out _) || name.Kind is not (ChannelKind.Private or ChannelKind.Presence))
        {
            connection.Send(Frames.Error($"Client event rejected - only supported on private and presence channels", null));
            return;
        }
        if (!connection.IsSubscribed(channel))
        {
            connection.Send(Frames.Error($"Client event rejected - not subscribed to channel {channel}", null));
            return;
        }
        if (!connection.TryConsumeClientEvent(_options.ClientEventsPerSecond))
        {
            connection.Send(Frames.Error($"Client event rejected - you're only allowed {_options.ClientEventsPerSecond} client events per second", 4301));
            return;
        }
        if (eventName.Length > 200)
        {
            connection.Send(Frames.Error("Client event rejected - event name longer than 200 characters", null));
            return;
        }

        // Pusher relays client event data as the double-encoded string its other clients and webhooks expect.
        var payload = data.ValueKind switch
        {
            JsonValueKind.String => data.GetString()!,
            JsonValueKind.Undefined => "{}",
            _ => data.GetRawText(),
        };
        if (Encoding.UTF8.GetByteCount(payload) > 10 * 1024)
        {
            connection.Send(Frames.Error("Client event rejected - data larger than 10 KB", null));
            return;
        }

        var state = _channels.Find(channel);
        if (state is null) return;
        string? userId = null;
        if (state.Presence is not null)
        {
            lock (state.Gate) userId = state.Presence.UserOf(connection.SocketId);
        }
        _webhooks.ClientEvent(channel, eventName, payload, connection.SocketId, userId);
        var frame = Frames.Event(eventName, channel, payload, userId);
        foreach (var subscriber in state.Subscribers)
        {
            if (!ReferenceEquals(subscriber, connection)) subscriber.Send(frame);
        }
    }

    private static async Task CloseQuietly(WebSocket socket, int code, string reason)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await socket.CloseOutputAsync((WebSocketCloseStatus)code, reason, timeout.Token).ConfigureAwait(false);
            // Wait for the client's close so it sees our code rather than an abort.
            var buffer = new byte[256];
            while (socket.State == WebSocketState.CloseSent)
            {
                var r = await socket.ReceiveAsync(buffer, timeout.Token).ConfigureAwait(false);
                if (r.MessageType == WebSocketMessageType.Close) break;
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
        }
    }

    private enum SubscribeOutcome { Subscribed, Full }
}
