using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace AdminConsole.Channels;

/// <summary>Typed <see cref="HttpClient"/> client of the Pusher Channels HTTP API: triggers, channel queries, user connections.</summary>
public sealed class ChannelsClient
{
    /// <summary>Longest event name accepted.</summary>
    public const int MaxEventNameLength = 200;
    /// <summary>Largest event data, in UTF-8 bytes (10 KB).</summary>
    public const int MaxDataBytes = 10 * 1024;
    /// <summary>Most channels one trigger may target.</summary>
    public const int MaxChannelsPerTrigger = 100;
    /// <summary>Most events one batch trigger may carry.</summary>
    public const int MaxBatchSize = 10;

    private readonly HttpClient _http;
    private readonly ChannelsOptions _options;
    private readonly TimeProvider _time;
    private readonly IReadOnlyList<string> _problems;
    private readonly RequestSigner? _signer;
    private readonly byte[]? _masterKey;
    private readonly string _origin = string.Empty;
    private readonly string _prefix = string.Empty;

    /// <summary>Creates the client; invalid options are reported on first use, not here, so DI can build pages that never send.</summary>
    public ChannelsClient(HttpClient http, IOptions<ChannelsOptions> options, TimeProvider time)
    {
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _options = options?.Value ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? TimeProvider.System;
        _problems = _options.Validate();
        if (_problems.Count == 0)
        {
            _signer = new RequestSigner(_options.Key, _options.Secret, _time);
            _masterKey = _options.GetMasterKey();
            _origin = _options.GetBaseAddress().GetLeftPart(UriPartial.Authority);
            _prefix = "/apps/" + PathSegment(_options.AppId.Trim());
        }
    }

    /// <summary>Triggers an event on 1–100 channels; a single <c>private-encrypted-</c> channel gets its data encrypted.</summary>
    /// <param name="channels">Target channels (1–100; an encrypted channel only alone).</param>
    /// <param name="eventName">Event name (at most 200 characters).</param>
    /// <param name="data">The event data, already serialized (at most 10 240 UTF-8 bytes as sent).</param>
    /// <param name="socketId">Connection to exclude (the sender), optional.</param>
    /// <param name="info">Attributes to return per channel, e.g. <c>user_count,subscription_count</c>, optional.</param>
    /// <param name="cancellationToken">Cancels the call (raises <see cref="OperationCanceledException"/>).</param>
    public async Task<TriggerResult> TriggerAsync(IReadOnlyList<string> channels, string eventName, string data, string? socketId = null, string? info = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channels);
        if (channels.Count is 0 or > MaxChannelsPerTrigger)
        {
            throw new ChannelsValidationException("channels", $"A trigger needs 1 to {MaxChannelsPerTrigger} channels, not {channels.Count}.");
        }
        var names = channels.Select(ChannelName.Parse).ToList();
        if (names.Count > 1 && names.Any(n => n.Kind == ChannelKind.PrivateEncrypted))
        {
            throw new ChannelsValidationException("channels", "An encrypted (private-encrypted-) channel cannot be triggered together with other channels.");
        }
        ValidateEventName(eventName);
        var payload = PrepareData(names[0], names.Count, data);
        if (socketId is not null) SocketId.Validate(socketId);
        ValidateInfo(info);

        var body = new JsonObject { ["name"] = eventName, ["data"] = payload, ["channels"] = new JsonArray(names.Select(n => (JsonNode?)JsonValue.Create(n.Value)).ToArray()) };
        if (socketId is not null) body["socket_id"] = socketId;
        if (info is not null) body["info"] = info;

        using var doc = await SendAsync(HttpMethod.Post, "/events", null, body, cancellationToken).ConfigureAwait(false);
        return new TriggerResult(ReadChannels(doc));
    }

    /// <summary>Triggers an event on one channel.</summary>
    public Task<TriggerResult> TriggerAsync(string channel, string eventName, string data, string? socketId = null, string? info = null, CancellationToken cancellationToken = default) =>
        TriggerAsync([channel], eventName, data, socketId, info, cancellationToken);

    /// <summary>Triggers up to 10 events, each on its own channel, in one request; encrypted channels get their data encrypted.</summary>
    public async Task<BatchTriggerResult> TriggerBatchAsync(IReadOnlyList<BatchEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count is 0 or > MaxBatchSize)
        {
            throw new ChannelsValidationException("batch", $"A batch needs 1 to {MaxBatchSize} events, not {events.Count}.");
        }
        var batch = new JsonArray();
        foreach (var e in events)
        {
            ArgumentNullException.ThrowIfNull(e, nameof(events));
            var name = ChannelName.Parse(e.Channel);
            ValidateEventName(e.Name);
            var payload = PrepareData(name, 1, e.Data);
            if (e.SocketId is not null) SocketId.Validate(e.SocketId);
            ValidateInfo(e.Info);
            var item = new JsonObject { ["name"] = e.Name, ["channel"] = name.Value, ["data"] = payload };
            if (e.SocketId is not null) item["socket_id"] = e.SocketId;
            if (e.Info is not null) item["info"] = e.Info;
            batch.Add(item);
        }
        using var doc = await SendAsync(HttpMethod.Post, "/batch_events", null, new JsonObject { ["batch"] = batch }, cancellationToken).ConfigureAwait(false);
        var results = new List<ChannelInfo>();
        if (doc is not null && doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("batch", out var b) && b.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in b.EnumerateArray()) results.Add(item.ValueKind == JsonValueKind.Object ? ChannelInfo.From(item) : new ChannelInfo(null, null, null, null));
        }
        return new BatchTriggerResult(results);
    }

    /// <summary>Lists occupied channels, optionally only those starting with <paramref name="prefix"/>, with the <paramref name="info"/> attributes.</summary>
    public async Task<ChannelList> GetChannelsAsync(string? prefix = null, string? info = null, CancellationToken cancellationToken = default)
    {
        var query = new List<KeyValuePair<string, string>>();
        if (!string.IsNullOrEmpty(prefix))
        {
            if (!prefix.All(ChannelName.IsChannelChar)) throw new ChannelsValidationException("filter_by_prefix", $"Prefix {ChannelsValidationException.Show(prefix)} contains a character outside [-a-zA-Z0-9_=@,.;].");
            query.Add(new("filter_by_prefix", prefix));
        }
        ValidateInfo(info);
        if (info is not null) query.Add(new("info", info));
        using var doc = await SendAsync(HttpMethod.Get, "/channels", query, null, cancellationToken).ConfigureAwait(false);
        return new ChannelList(ReadChannels(doc));
    }

    /// <summary>Gets one channel's state (<c>occupied</c>, plus <c>user_count</c>, <c>subscription_count</c> or <c>cache</c> if asked in <paramref name="info"/>).</summary>
    public async Task<ChannelInfo> GetChannelAsync(string channel, string? info = null, CancellationToken cancellationToken = default)
    {
        var name = ChannelName.Parse(channel);
        ValidateInfo(info);
        var query = info is null ? null : new[] { new KeyValuePair<string, string>("info", info) };
        using var doc = await SendAsync(HttpMethod.Get, "/channels/" + PathSegment(name.Value), query, null, cancellationToken).ConfigureAwait(false);
        return doc is not null && doc.RootElement.ValueKind == JsonValueKind.Object ? ChannelInfo.From(doc.RootElement) : new ChannelInfo(null, null, null, null);
    }

    /// <summary>Lists the users of a presence channel.</summary>
    public async Task<IReadOnlyList<PresenceUser>> GetPresenceUsersAsync(string channel, CancellationToken cancellationToken = default)
    {
        var name = ChannelName.Parse(channel);
        if (name.Kind != ChannelKind.Presence) throw new ChannelsValidationException("channel", $"Channel {ChannelsValidationException.Show(channel)} is not a presence channel.");
        using var doc = await SendAsync(HttpMethod.Get, "/channels/" + PathSegment(name.Value) + "/users", null, null, cancellationToken).ConfigureAwait(false);
        var users = new List<PresenceUser>();
        if (doc is not null && doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("users", out var arr) && arr.ValueKind == JsonValueKind.Array)
        {
            foreach (var u in arr.EnumerateArray())
            {
                if (u.ValueKind == JsonValueKind.Object && u.TryGetProperty("id", out var id))
                {
                    users.Add(new PresenceUser(id.ValueKind == JsonValueKind.String ? LenientJson.GetString(id) : id.GetRawText()));
                }
            }
        }
        return users;
    }

    /// <summary>Closes every connection of a signed-in user (the user may reconnect unless your auth endpoints refuse).</summary>
    public async Task TerminateUserConnectionsAsync(string userId, CancellationToken cancellationToken = default)
    {
        UserIds.ValidateForChannel(userId, "userId");
        using var _ = await SendAsync(HttpMethod.Post, "/users/" + PathSegment(userId) + "/terminate_connections", null, new JsonObject(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends an event to one signed-in user (channel <c>#server-to-user-{userId}</c>).</summary>
    public Task<TriggerResult> SendToUserAsync(string userId, string eventName, string data, CancellationToken cancellationToken = default)
    {
        var channel = ChannelName.ForUser(userId);
        return TriggerAsync([channel.Value], eventName, data, null, null, cancellationToken);
    }

    private string PrepareData(ChannelName channel, int channelCount, string data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var payload = data;
        if (channel.Kind == ChannelKind.PrivateEncrypted && channelCount == 1)
        {
            EnsureConfigured();
            if (_masterKey is null)
            {
                throw new ChannelsValidationException("EncryptionMasterKeyBase64", $"Channel {ChannelsValidationException.Show(channel.Value)} is encrypted, but no encryption master key is configured.");
            }
            payload = ChannelEncryption.Encrypt(channel.Value, data, _masterKey);
        }
        // Pusher counts the data string as sent, so an encrypted payload is measured after encryption.
        var bytes = Encoding.UTF8.GetByteCount(payload);
        if (bytes > MaxDataBytes)
        {
            throw new ChannelsValidationException("data", $"Event data is {bytes} bytes{(payload == data ? "" : " after encryption")}; at most {MaxDataBytes} are allowed.");
        }
        return payload;
    }

    private static void ValidateEventName(string eventName)
    {
        if (string.IsNullOrEmpty(eventName)) throw new ChannelsValidationException("name", "Event name must not be empty.");
        if (eventName.Length > MaxEventNameLength)
        {
            throw new ChannelsValidationException("name", $"Event name {ChannelsValidationException.Show(eventName)} is {eventName.Length} characters long; at most {MaxEventNameLength} are allowed.");
        }
    }

    private static void ValidateInfo(string? info)
    {
        if (info is null) return;
        var parts = info.Split(',');
        if (parts.Any(p => p.Length == 0 || !p.All(c => c is (>= 'a' and <= 'z') or '_')))
        {
            throw new ChannelsValidationException("info", $"Info {ChannelsValidationException.Show(info)} must be a comma-separated list such as user_count,subscription_count.");
        }
    }

    private void EnsureConfigured()
    {
        if (_problems.Count > 0) throw new ChannelsValidationException("Pusher", "Invalid Channels options: " + string.Join(" ", _problems));
    }

    private static Dictionary<string, ChannelInfo> ReadChannels(JsonDocument? doc)
    {
        var result = new Dictionary<string, ChannelInfo>(StringComparer.Ordinal);
        if (doc is not null && doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("channels", out var ch) && ch.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in ch.EnumerateObject())
            {
                result[p.Name] = p.Value.ValueKind == JsonValueKind.Object ? ChannelInfo.From(p.Value) : new ChannelInfo(null, null, null, null);
            }
        }
        return result;
    }

    /// <summary>
    /// One path segment as it goes on the wire, and as it is signed: the request path is signed exactly as sent
    /// (the npm library signs the path it puts in the URL). RFC 3986 lets a segment carry unreserved characters,
    /// sub-delims, ':' and '@' as they are, so every channel-name character except the internal prefix's '#' stays
    /// readable (and the signature matches the official libraries'); '#' and anything else is percent-encoded
    /// (UTF-8), so nothing of the name or the signed query can end up in a fragment or another segment.
    /// </summary>
    internal static string PathSegment(string value)
    {
        var sb = new StringBuilder(value.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')
                or '-' or '.' or '_' or '~' or '!' or '$' or '&' or '\'' or '(' or ')' or '*' or '+' or ',' or ';' or '=' or ':' or '@')
            {
                sb.Append(c);
                continue;
            }
            var rune = Rune.TryGetRuneAt(value, i, out var r) ? r : Rune.ReplacementChar;
            if (rune.Utf16SequenceLength == 2) i++;
            var n = rune.EncodeToUtf8(utf8);
            foreach (var b in utf8[..n])
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    private async Task<JsonDocument?> SendAsync(HttpMethod method, string path, IEnumerable<KeyValuePair<string, string>>? query, JsonObject? body, CancellationToken cancellationToken)
    {
        EnsureConfigured();
        cancellationToken.ThrowIfCancellationRequested();
        var fullPath = _prefix + path;
        var operation = $"{method.Method} {fullPath}";
        // Serialize once: body_md5 must cover exactly the bytes that go on the wire.
        var bytes = body is null ? [] : Encoding.UTF8.GetBytes(JsJson.Stringify(body));
        var signed = _signer!.Sign(method.Method, fullPath, query, bytes);

        using var request = new HttpRequestMessage(method, new Uri(_origin + fullPath + "?" + signed.ToEscapedString()));
        if (body is not null)
        {
            request.Content = new ByteArrayContent(bytes);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        request.Headers.TryAddWithoutValidation("X-Pusher-Library", "AdminConsole.Channels");

        using var timeout = new CancellationTokenSource(_options.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        HttpResponseMessage response;
        string text;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token).ConfigureAwait(false);
            text = await response.Content.ReadAsStringAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException e)
        {
            throw new ChannelsUnreachableException($"Pusher API did not answer {operation} within {_options.Timeout.TotalSeconds:0.###} s.", e);
        }
        catch (HttpRequestException e)
        {
            throw new ChannelsUnreachableException($"Pusher API at {_origin} could not be reached for {operation}: {Redact(e.Message)}", e);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode) throw ChannelsApiException.Create(response.StatusCode, Redact(text), operation);
            if (string.IsNullOrWhiteSpace(text)) return null;
            try
            {
                return JsonDocument.Parse(text);
            }
            catch (JsonException)
            {
                throw new ChannelsApiException(response.StatusCode, Redact(text), $"Pusher API answered {operation} with a body that is not JSON.");
            }
        }
    }

    // A misbehaving server could echo what we sent; make sure the secret never reaches an exception.
    private string Redact(string text) =>
        string.IsNullOrEmpty(_options.Secret) ? text : text.Replace(_options.Secret, "[redacted]", StringComparison.Ordinal);
}
