using System.Text;
using System.Text.Json;
using AdminConsole.Channels;
using AdminConsole.LocalChannels.Protocol;
using AdminConsole.LocalChannels.State;
using Microsoft.AspNetCore.Http;

namespace AdminConsole.LocalChannels.Api;

/// <summary>Pusher's HTTP API under <c>/apps/{appId}</c>: every request verified like Pusher does, errors as plain text.</summary>
public sealed class HttpApiHandler
{
    public const int MaxEventNameLength = 200;
    public const int MaxDataBytes = 10 * 1024;
    public const int MaxChannelsPerEvent = 100;
    public const int MaxBatchSize = 10;

    /// <summary>Enough for a full batch of maximal events; anything bigger is not a valid request.</summary>
    public const int MaxBodyBytes = 256 * 1024;

    private readonly LocalChannelsOptions _options;
    private readonly ChannelRegistry _channels;
    private readonly ConnectionRegistry _connections;
    private readonly LastEventCache _cache;
    private readonly EventPublisher _publisher;
    private readonly RequestSigner _verifier;

    public HttpApiHandler(LocalChannelsOptions options, ChannelRegistry channels, ConnectionRegistry connections, LastEventCache cache,
        EventPublisher publisher, TimeProvider time)
    {
        _options = options;
        _channels = channels;
        _connections = connections;
        _cache = cache;
        _publisher = publisher;
        _verifier = new RequestSigner(options.Key, options.Secret, time);
    }

    public Task TriggerAsync(HttpContext c) => Verified(c, Trigger);
    public Task BatchAsync(HttpContext c) => Verified(c, Batch);
    public Task ChannelsAsync(HttpContext c) => Verified(c, ListChannels);
    public Task ChannelAsync(HttpContext c) => Verified(c, ChannelInfo);
    public Task UsersAsync(HttpContext c) => Verified(c, Users);
    public Task TerminateAsync(HttpContext c) => Verified(c, Terminate);

    private async Task Verified(HttpContext context, Func<HttpContext, byte[], ApiResult> handle)
    {
        var result = await VerifyAsync(context).ConfigureAwait(false);
        if (result.Error is null)
        {
            try
            {
                result = handle(context, result.Body!);
            }
            catch (JsonException)
            {
                result = ApiResult.Fail(400, "Request body is not valid JSON");
            }
        }
        await WriteAsync(context, result).ConfigureAwait(false);
    }

    private async Task<ApiResult> VerifyAsync(HttpContext context)
    {
        var request = context.Request;
        if (!string.Equals(request.RouteValues["appId"] as string, _options.AppId, StringComparison.Ordinal))
        {
            return ApiResult.Fail(404, "Unknown app");
        }
        if (request.ContentLength > MaxBodyBytes) return ApiResult.Fail(413, "Request body too large");

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBodyBytes) return ApiResult.Fail(413, "Request body too large");
        }
        var body = buffer.ToArray();

        var query = request.Query.SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string>(p.Key, v ?? string.Empty)));
        var path = request.PathBase.Add(request.Path).Value ?? string.Empty;
        var verification = _verifier.Verify(request.Method, path, query, body);
        if (!verification.IsValid) return ApiResult.Fail(401, verification.Reason ?? "Unauthorized");
        return new ApiResult(200, null, null, body);
    }

    private static async Task WriteAsync(HttpContext context, ApiResult result)
    {
        context.Response.StatusCode = result.Status;
        if (result.Error is not null)
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(result.Error, context.RequestAborted).ConfigureAwait(false);
            return;
        }
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(result.Json!, context.RequestAborted).ConfigureAwait(false);
    }

    private sealed record ApiResult(int Status, string? Error, byte[]? Json, byte[]? Body)
    {
        public static ApiResult Fail(int status, string error) => new(status, error, null, null);
        public static ApiResult Ok(byte[] json) => new(200, null, json, null);
        public static readonly ApiResult Empty = Ok("{}"u8.ToArray());
    }

    private static byte[] Json(Action<Utf8JsonWriter> write) => Encoding.UTF8.GetBytes(Frames.Json(write));

    /// <summary>An event parsed and validated from a trigger or batch body.</summary>
    private sealed record TriggerRequest(string Name, string Data, IReadOnlyList<ChannelName> Channels, string? SocketId, string[] Info);

    private static bool TryParseEvent(JsonElement e, bool batchItem, out TriggerRequest? request, out ApiResult? error)
    {
        request = null;
        error = null;
        if (e.ValueKind != JsonValueKind.Object)
        {
            error = ApiResult.Fail(400, "Event must be a JSON object");
            return false;
        }
        if (!e.TryGetProperty("name", out var nameEl) || nameEl.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(nameEl.GetString()))
        {
            error = ApiResult.Fail(400, "Missing event name");
            return false;
        }
        var name = nameEl.GetString()!;
        if (name.Length > MaxEventNameLength)
        {
            error = ApiResult.Fail(400, $"Event name too long: at most {MaxEventNameLength} characters");
            return false;
        }
        if (!e.TryGetProperty("data", out var dataEl) || dataEl.ValueKind != JsonValueKind.String)
        {
            error = ApiResult.Fail(400, "Missing data: data must be a string (JSON-encode objects first)");
            return false;
        }
        var data = dataEl.GetString()!;
        if (Encoding.UTF8.GetByteCount(data) > MaxDataBytes)
        {
            error = ApiResult.Fail(413, $"Payload too large: event data must be at most {MaxDataBytes} bytes");
            return false;
        }

        var names = new List<string>();
        if (e.TryGetProperty("channels", out var chs) && !batchItem)
        {
            if (chs.ValueKind != JsonValueKind.Array)
            {
                error = ApiResult.Fail(400, "channels must be an array");
                return false;
            }
            foreach (var ch in chs.EnumerateArray())
            {
                if (ch.ValueKind != JsonValueKind.String)
                {
                    error = ApiResult.Fail(400, "channels must be an array of strings");
                    return false;
                }
                names.Add(ch.GetString()!);
            }
        }
        else if (e.TryGetProperty("channel", out var one) && one.ValueKind == JsonValueKind.String)
        {
            names.Add(one.GetString()!);
        }
        if (names.Count == 0)
        {
            error = ApiResult.Fail(400, "Missing channel: give channels (array) or channel");
            return false;
        }
        if (names.Count > MaxChannelsPerEvent)
        {
            error = ApiResult.Fail(400, $"Too many channels: at most {MaxChannelsPerEvent} per event");
            return false;
        }
        var channels = new List<ChannelName>(names.Count);
        foreach (var n in names.Distinct(StringComparer.Ordinal))
        {
            if (!ChannelName.TryParse(n, out var parsed, out var reason))
            {
                error = ApiResult.Fail(400, "Invalid channel name: " + reason);
                return false;
            }
            channels.Add(parsed);
        }
        if (channels.Count > 1 && channels.Any(c => c.Kind == ChannelKind.PrivateEncrypted))
        {
            error = ApiResult.Fail(400, "Cannot trigger to multiple channels when one of them is encrypted");
            return false;
        }

        string? socketId = null;
        if (e.TryGetProperty("socket_id", out var sid) && sid.ValueKind != JsonValueKind.Null)
        {
            socketId = sid.ValueKind == JsonValueKind.String ? sid.GetString() : null;
            if (!SocketId.IsValid(socketId))
            {
                error = ApiResult.Fail(400, "Invalid socket_id");
                return false;
            }
        }
        var info = e.TryGetProperty("info", out var infoEl) && infoEl.ValueKind == JsonValueKind.String
            ? SplitInfo(infoEl.GetString())
            : [];
        foreach (var attribute in info)
        {
            if (attribute is not ("user_count" or "subscription_count"))
            {
                error = ApiResult.Fail(400, $"Unsupported info attribute {attribute}");
                return false;
            }
            if (attribute == "user_count" && channels.Any(c => c.Kind != ChannelKind.Presence))
            {
                error = ApiResult.Fail(400, "user_count is only available for presence channels");
                return false;
            }
        }
        request = new TriggerRequest(name, data, channels, socketId, info);
        return true;
    }

    private static string[] SplitInfo(string? info) =>
        string.IsNullOrWhiteSpace(info) ? [] : info.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private void Publish(TriggerRequest r)
    {
        foreach (var channel in r.Channels) _publisher.Publish(channel, r.Name, r.Data, r.SocketId);
    }

    private void WriteAttributes(Utf8JsonWriter w, ChannelName channel, string[] info)
    {
        w.WriteStartObject();
        foreach (var attribute in info)
        {
            if (attribute == "user_count") w.WriteNumber("user_count", _channels.PresenceUserCount(channel.Value));
            else if (attribute == "subscription_count") w.WriteNumber("subscription_count", _channels.Find(channel.Value)?.SubscriptionCount ?? 0);
        }
        w.WriteEndObject();
    }

    private ApiResult Trigger(HttpContext context, byte[] body)
    {
        using var doc = JsonDocument.Parse(body);
        if (!TryParseEvent(doc.RootElement, batchItem: false, out var request, out var error)) return error!;
        Publish(request!);
        if (request!.Info.Length == 0) return ApiResult.Empty;
        return ApiResult.Ok(Json(w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("channels");
            foreach (var channel in request.Channels)
            {
                w.WritePropertyName(channel.Value);
                WriteAttributes(w, channel, request.Info);
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }));
    }

    private ApiResult Batch(HttpContext context, byte[] body)
    {
        using var doc = JsonDocument.Parse(body);
        if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("batch", out var batch) || batch.ValueKind != JsonValueKind.Array)
        {
            return ApiResult.Fail(400, "Missing batch: expected {\"batch\":[...]}");
        }
        if (batch.GetArrayLength() > MaxBatchSize) return ApiResult.Fail(400, $"Batch too large: at most {MaxBatchSize} events");
        var requests = new List<TriggerRequest>();
        // Validate everything first: Pusher rejects the whole batch rather than sending part of it.
        foreach (var item in batch.EnumerateArray())
        {
            if (!TryParseEvent(item, batchItem: true, out var request, out var error)) return error!;
            requests.Add(request!);
        }
        foreach (var r in requests) Publish(r);
        if (requests.All(r => r.Info.Length == 0)) return ApiResult.Empty;
        return ApiResult.Ok(Json(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("batch");
            foreach (var r in requests) WriteAttributes(w, r.Channels[0], r.Info);
            w.WriteEndArray();
            w.WriteEndObject();
        }));
    }

    private ApiResult ListChannels(HttpContext context, byte[] body)
    {
        var prefix = context.Request.Query["filter_by_prefix"].ToString();
        var info = SplitInfo(context.Request.Query["info"].ToString());
        foreach (var attribute in info)
        {
            if (attribute == "user_count" && !prefix.StartsWith("presence-", StringComparison.Ordinal))
            {
                return ApiResult.Fail(400, "user_count may only be requested for presence channels: filter_by_prefix=presence-");
            }
            if (attribute is not ("user_count" or "subscription_count")) return ApiResult.Fail(400, $"Unsupported info attribute {attribute}");
        }
        var channels = _channels.Occupied()
            .Where(c => !c.Name.StartsWith('#') && c.Name.StartsWith(prefix, StringComparison.Ordinal))
            .OrderBy(c => c.Name, StringComparer.Ordinal)
            .ToList();
        return ApiResult.Ok(Json(w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("channels");
            foreach (var c in channels)
            {
                w.WritePropertyName(c.Name);
                WriteAttributes(w, ChannelName.Parse(c.Name), info);
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }));
    }

    private ApiResult ChannelInfo(HttpContext context, byte[] body)
    {
        if (!ChannelName.TryParse(context.Request.RouteValues["channel"] as string, out var channel, out var reason))
        {
            return ApiResult.Fail(400, "Invalid channel name: " + reason);
        }
        var info = SplitInfo(context.Request.Query["info"].ToString());
        foreach (var attribute in info)
        {
            switch (attribute)
            {
                case "user_count" when channel.Kind != ChannelKind.Presence:
                    return ApiResult.Fail(400, "user_count is only available for presence channels");
                case "cache" when !channel.IsCache:
                    return ApiResult.Fail(400, "cache is only available for cache channels");
                case "user_count" or "subscription_count" or "cache":
                    break;
                default:
                    return ApiResult.Fail(400, $"Unsupported info attribute {attribute}");
            }
        }
        var state = _channels.Find(channel.Value);
        return ApiResult.Ok(Json(w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("occupied", state is { SubscriptionCount: > 0 });
            foreach (var attribute in info)
            {
                if (attribute == "user_count") w.WriteNumber("user_count", _channels.PresenceUserCount(channel.Value));
                else if (attribute == "subscription_count") w.WriteNumber("subscription_count", state?.SubscriptionCount ?? 0);
                else if (attribute == "cache" && _cache.Get(channel.Value) is { } cached)
                {
                    w.WriteStartObject("cache");
                    w.WriteString("event", cached.EventName);
                    w.WriteString("data", cached.Data);
                    w.WriteNumber("ttl", _cache.RemainingSeconds(cached));
                    w.WriteEndObject();
                }
            }
            w.WriteEndObject();
        }));
    }

    private ApiResult Users(HttpContext context, byte[] body)
    {
        if (!ChannelName.TryParse(context.Request.RouteValues["channel"] as string, out var channel, out var reason))
        {
            return ApiResult.Fail(400, "Invalid channel name: " + reason);
        }
        if (channel.Kind != ChannelKind.Presence) return ApiResult.Fail(400, "Users are only available for presence channels");
        var ids = _channels.PresenceUserIds(channel.Value);
        return ApiResult.Ok(Json(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("users");
            foreach (var id in ids)
            {
                w.WriteStartObject();
                w.WriteString("id", id);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }));
    }

    private ApiResult Terminate(HttpContext context, byte[] body)
    {
        var userId = context.Request.RouteValues["userId"] as string;
        if (string.IsNullOrEmpty(userId)) return ApiResult.Fail(400, "Missing user id");
        // Only connections that signed in as the user are theirs; 4009 tells pusher-js not to reconnect unchanged.
        foreach (var c in _connections.OfUser(userId)) c.Close(4009, "Connection terminated by the server");
        return ApiResult.Empty;
    }
}
