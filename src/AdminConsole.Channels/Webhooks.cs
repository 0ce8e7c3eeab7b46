using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AdminConsole.Channels;

/// <summary>Signs webhook bodies: lower-case hex HMAC-SHA256 of the raw body, the <c>X-Pusher-Signature</c> header.</summary>
public sealed class WebhookSigner
{
    private readonly string _secret;

    /// <summary>Creates a signer for one app secret.</summary>
    public WebhookSigner(string secret)
    {
        if (string.IsNullOrEmpty(secret)) throw new ChannelsValidationException("secret", "App secret must not be empty.");
        _secret = secret;
    }

    /// <summary>The <c>X-Pusher-Signature</c> value for <paramref name="body"/>.</summary>
    public string Sign(ReadOnlySpan<byte> body) => Crypto.HmacHex(_secret, body);

    /// <summary>The <c>X-Pusher-Signature</c> value for the UTF-8 bytes of <paramref name="body"/>.</summary>
    public string Sign(string body) => Sign(Encoding.UTF8.GetBytes(body));
}

/// <summary>Which check a webhook failed.</summary>
public enum WebhookFailure
{
    /// <summary>The webhook is valid.</summary>
    None,
    /// <summary>No <c>X-Pusher-Key</c> header.</summary>
    MissingKey,
    /// <summary><c>X-Pusher-Key</c> is not a configured key.</summary>
    UnknownKey,
    /// <summary>No <c>X-Pusher-Signature</c> header.</summary>
    MissingSignature,
    /// <summary>The signature does not match the body.</summary>
    BadSignature,
    /// <summary>Signed correctly, but the body is not <c>{time_ms, events[]}</c>.</summary>
    MalformedBody,
}

/// <summary>Outcome of webhook verification; on success <see cref="Webhook"/> holds the parsed body.</summary>
public sealed record WebhookVerification(bool IsValid, WebhookFailure Failure, string? Reason, Webhook? Webhook)
{
    internal static WebhookVerification Fail(WebhookFailure failure, string reason) => new(false, failure, reason, null);
}

/// <summary>Verifies Pusher webhooks: key header, HMAC signature of the raw body (constant time), then parses the body.</summary>
public sealed class WebhookVerifier
{
    private readonly Dictionary<string, string> _secrets = new(StringComparer.Ordinal);

    /// <summary>Creates a verifier for the app's key and secret plus optional extra pairs (key rotation).</summary>
    public WebhookVerifier(string key, string secret, IEnumerable<KeyValuePair<string, string>>? extraTokens = null)
    {
        Add(key, secret);
        if (extraTokens is not null)
        {
            foreach (var (k, s) in extraTokens) Add(k, s);
        }
    }

    /// <summary>Creates a verifier from app options.</summary>
    public WebhookVerifier(ChannelsOptions options)
        : this(options?.Key ?? throw new ArgumentNullException(nameof(options)), options.Secret)
    {
    }

    private void Add(string key, string secret)
    {
        if (string.IsNullOrEmpty(key)) throw new ChannelsValidationException("key", "Webhook key must not be empty.");
        if (string.IsNullOrEmpty(secret)) throw new ChannelsValidationException("secret", "Webhook secret must not be empty.");
        _secrets[key] = secret;
    }

    /// <summary>Verifies the <c>X-Pusher-Key</c> and <c>X-Pusher-Signature</c> headers against the raw body, then parses it.</summary>
    public WebhookVerification Verify(string? keyHeader, string? signatureHeader, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrEmpty(keyHeader)) return WebhookVerification.Fail(WebhookFailure.MissingKey, "Missing X-Pusher-Key header.");
        if (!_secrets.TryGetValue(keyHeader.Trim(), out var secret)) return WebhookVerification.Fail(WebhookFailure.UnknownKey, $"X-Pusher-Key {ChannelsValidationException.Show(keyHeader)} is not a configured app key.");
        if (string.IsNullOrEmpty(signatureHeader)) return WebhookVerification.Fail(WebhookFailure.MissingSignature, "Missing X-Pusher-Signature header.");
        if (!Crypto.FixedTimeEquals(Crypto.HmacHex(secret, body), signatureHeader.Trim().ToLowerInvariant()))
        {
            return WebhookVerification.Fail(WebhookFailure.BadSignature, "X-Pusher-Signature does not match the HMAC-SHA256 of the body.");
        }
        if (!Webhook.TryParse(body, out var webhook, out var error)) return WebhookVerification.Fail(WebhookFailure.MalformedBody, error);
        return new WebhookVerification(true, WebhookFailure.None, null, webhook);
    }
}

/// <summary>Names of the webhook events Pusher sends.</summary>
public static class WebhookEventNames
{
    /// <summary>A channel got its first subscriber.</summary>
    public const string ChannelOccupied = "channel_occupied";
    /// <summary>A channel lost its last subscriber.</summary>
    public const string ChannelVacated = "channel_vacated";
    /// <summary>A new distinct user joined a presence channel.</summary>
    public const string MemberAdded = "member_added";
    /// <summary>A user's last connection left a presence channel.</summary>
    public const string MemberRemoved = "member_removed";
    /// <summary>A client sent a client event.</summary>
    public const string ClientEvent = "client_event";
    /// <summary>A subscription to an empty cache channel.</summary>
    public const string CacheMiss = "cache_miss";
    /// <summary>A channel's subscription count changed.</summary>
    public const string SubscriptionCount = "subscription_count";
}

/// <summary>A webhook body: <c>{"time_ms":…,"events":[…]}</c>.</summary>
public sealed record Webhook(long TimeMs, IReadOnlyList<WebhookEvent> Events)
{
    /// <summary>When Pusher created the webhook.</summary>
    public DateTimeOffset Time => DateTimeOffset.FromUnixTimeMilliseconds(TimeMs);

    /// <summary>Parses a webhook body; unknown event names are kept.</summary>
    public static bool TryParse(ReadOnlySpan<byte> body, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Webhook? webhook, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        webhook = null;
        try
        {
            var reader = new Utf8JsonReader(body);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) { error = "The webhook body is not a JSON object."; return false; }
            if (!root.TryGetProperty("time_ms", out var t) || t.ValueKind != JsonValueKind.Number || !t.TryGetInt64(out var timeMs))
            {
                error = "The webhook body lacks an integer time_ms.";
                return false;
            }
            if (!root.TryGetProperty("events", out var evs) || evs.ValueKind != JsonValueKind.Array)
            {
                error = "The webhook body lacks an events array.";
                return false;
            }
            var events = new List<WebhookEvent>();
            foreach (var e in evs.EnumerateArray())
            {
                if (!WebhookEvent.TryFromElement(e, out var ev, out error)) return false;
                events.Add(ev);
            }
            webhook = new Webhook(timeMs, events);
            error = null;
            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            error = "The webhook body is not valid JSON.";
            return false;
        }
    }

    /// <summary>Parses a webhook body or throws <see cref="FormatException"/>.</summary>
    public static Webhook Parse(string body) =>
        TryParse(Encoding.UTF8.GetBytes(body), out var w, out var error) ? w : throw new FormatException(error);

    /// <summary>The body a webhook sender posts (JS-compatible JSON); sign its UTF-8 bytes with <see cref="WebhookSigner"/>.</summary>
    public string ToJson()
    {
        var sb = new StringBuilder("{\"time_ms\":").Append(TimeMs).Append(",\"events\":[");
        for (var i = 0; i < Events.Count; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append(Events[i].RawJson);
        }
        return sb.Append("]}").ToString();
    }
}

/// <summary>One webhook event; fields absent for its kind are null; <see cref="RawJson"/> is the event object as received or built.</summary>
public sealed record WebhookEvent
{
    private WebhookEvent(string name, string? channel, string? userId, string? @event, string? data, string? socketId, long? subscriptionCount, string rawJson)
    {
        Name = name;
        Channel = channel;
        UserId = userId;
        Event = @event;
        Data = data;
        SocketId = socketId;
        SubscriptionCount = subscriptionCount;
        RawJson = rawJson;
    }

    /// <summary>Event name, e.g. <c>channel_occupied</c>; unknown names are kept as received.</summary>
    public string Name { get; }
    /// <summary>The channel.</summary>
    public string? Channel { get; }
    /// <summary>The user id (member events; client events on presence channels).</summary>
    public string? UserId { get; }
    /// <summary>The client event's name.</summary>
    public string? Event { get; }
    /// <summary>The client event's data string.</summary>
    public string? Data { get; }
    /// <summary>The sending socket (client events).</summary>
    public string? SocketId { get; }
    /// <summary>Subscriber count (subscription_count events).</summary>
    public long? SubscriptionCount { get; }
    /// <summary>The event's JSON object.</summary>
    public string RawJson { get; }

    /// <summary>Builds a <c>channel_occupied</c> event.</summary>
    public static WebhookEvent ChannelOccupied(string channel) => Create(WebhookEventNames.ChannelOccupied, channel);
    /// <summary>Builds a <c>channel_vacated</c> event.</summary>
    public static WebhookEvent ChannelVacated(string channel) => Create(WebhookEventNames.ChannelVacated, channel);
    /// <summary>Builds a <c>member_added</c> event.</summary>
    public static WebhookEvent MemberAdded(string channel, string userId) => Create(WebhookEventNames.MemberAdded, channel, userId: userId);
    /// <summary>Builds a <c>member_removed</c> event.</summary>
    public static WebhookEvent MemberRemoved(string channel, string userId) => Create(WebhookEventNames.MemberRemoved, channel, userId: userId);
    /// <summary>Builds a <c>client_event</c> event (<paramref name="userId"/> for presence channels).</summary>
    public static WebhookEvent ClientEvent(string channel, string eventName, string data, string socketId, string? userId = null) =>
        Create(WebhookEventNames.ClientEvent, channel, userId, eventName, data, socketId);
    /// <summary>Builds a <c>cache_miss</c> event.</summary>
    public static WebhookEvent CacheMiss(string channel) => Create(WebhookEventNames.CacheMiss, channel);
    /// <summary>Builds a <c>subscription_count</c> event.</summary>
    public static WebhookEvent SubscriptionCountChanged(string channel, long count) => Create(WebhookEventNames.SubscriptionCount, channel, subscriptionCount: count);

    /// <summary>Builds any event; null fields are left out of the JSON.</summary>
    public static WebhookEvent Create(string name, string? channel, string? userId = null, string? eventName = null, string? data = null, string? socketId = null, long? subscriptionCount = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var obj = new JsonObject { ["name"] = name };
        if (channel is not null) obj["channel"] = channel;
        if (eventName is not null) obj["event"] = eventName;
        if (data is not null) obj["data"] = data;
        if (socketId is not null) obj["socket_id"] = socketId;
        if (userId is not null) obj["user_id"] = userId;
        if (subscriptionCount is not null) obj["subscription_count"] = subscriptionCount.Value;
        return new WebhookEvent(name, channel, userId, eventName, data, socketId, subscriptionCount, JsJson.Stringify(obj));
    }

    internal static bool TryFromElement(JsonElement e, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out WebhookEvent? ev, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        ev = null;
        if (e.ValueKind != JsonValueKind.Object) { error = "A webhook event is not a JSON object."; return false; }
        if (!e.TryGetProperty("name", out var n) || n.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(LenientJson.GetString(n)))
        {
            error = "A webhook event lacks its name.";
            return false;
        }
        long? count = null;
        if (e.TryGetProperty("subscription_count", out var c) && c.ValueKind == JsonValueKind.Number && c.TryGetInt64(out var cv)) count = cv;
        ev = new WebhookEvent(LenientJson.GetString(n), Text(e, "channel"), Text(e, "user_id"), Text(e, "event"), Text(e, "data"), Text(e, "socket_id"), count, e.GetRawText());
        error = null;
        return true;
    }

    // Pusher sends these as strings, but a user_id may be a number when the auth endpoint signed one; keep its text.
    private static string? Text(JsonElement e, string name) =>
        !e.TryGetProperty(name, out var v) ? null : v.ValueKind switch
        {
            JsonValueKind.String => LenientJson.GetString(v),
            JsonValueKind.Null => null,
            _ => v.GetRawText(),
        };
}
