using System.Diagnostics;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using AdminConsole.Channels;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Pusher;

namespace AdminConsole.Web.Compose;

/// <summary>The JSON body of <c>POST /realtime/trigger</c>: <c>{channel | channels, event, data, socket_id?}</c>.</summary>
public sealed class TriggerRequest
{
    [JsonPropertyName("channel")] public string? Channel { get; set; }
    [JsonPropertyName("channels")] public List<string?>? Channels { get; set; }
    [JsonPropertyName("event")] public string? Event { get; set; }
    /// <summary>A string is sent as is; any other JSON value is serialized (compactly) first, as Pusher's libraries do.</summary>
    [JsonPropertyName("data")] public JsonElement? Data { get; set; }
    [JsonPropertyName("socket_id")] public string? SocketId { get; set; }
}

/// <summary>A request that passed validation: what will go to Pusher.</summary>
public sealed record ValidTrigger(IReadOnlyList<ChannelName> Channels, string EventName, string Data, string? SocketId);

/// <summary>How a send ended, as the endpoint and the compose page report it.</summary>
public sealed record SendResult(SentEvent? Record, int HttpStatus, string? Title, string? Detail, IDictionary<string, string[]>? Errors = null)
{
    public bool Succeeded => HttpStatus == StatusCodes.Status200OK;
}

/// <summary>
/// Validates, authorizes, records and sends events. Every send is written as <see cref="SendStatus.Pending"/>
/// before Pusher is called and updated with the outcome afterwards, with its audit entry in the same commit.
/// </summary>
public sealed partial class EventSender(
    AppDbContext db,
    ChannelsClient client,
    PusherApp pusher,
    SendableChannels sendable,
    AuditTrail audit,
    TimeProvider time,
    ILogger<EventSender> logger,
    ComposeMetrics metrics)
{
    private static readonly string[] ReservedEventPrefixes = ["client-", "pusher:", "pusher_internal:"];

    /// <summary>Every problem with the request, keyed by field (<c>channels[2]</c>, <c>event</c>, <c>data</c>, <c>socket_id</c>).</summary>
    public static (ValidTrigger? Trigger, Dictionary<string, string[]> Errors) Validate(TriggerRequest? request, bool encryptionAvailable)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list)) errors[field] = list = [];
            list.Add(message);
        }

        if (request is null)
        {
            Add("body", "Send a JSON object {channel | channels, event, data, socket_id?}.");
            return (null, Freeze(errors));
        }

        var names = new List<ChannelName>();
        if (request.Channel is not null && request.Channels is not null)
            Add("channels", "Give either channel or channels, not both.");
        else if (request.Channel is null && (request.Channels is null || request.Channels.Count == 0))
            Add("channels", "Give a channel, or channels with 1 to 100 names.");
        else
        {
            var given = request.Channels ?? [request.Channel];
            var field = request.Channels is null ? "channel" : "channels";
            if (given.Count > ChannelsClient.MaxChannelsPerTrigger)
                Add("channels", $"{given.Count} channels given; one trigger takes at most {ChannelsClient.MaxChannelsPerTrigger}. Send in batches.");
            for (var i = 0; i < given.Count; i++)
            {
                var key = request.Channels is null ? field : $"channels[{i}]";
                if (!ChannelName.TryParse(given[i], out var name, out var error)) { Add(key, error); continue; }
                if (names.Any(n => n.Value == name.Value)) { Add(key, $"{name.Value} is listed twice."); continue; }
                if (name.Kind == ChannelKind.PrivateEncrypted && !encryptionAvailable)
                    Add(key, $"{name.Value} is encrypted, but no encryption master key is configured.");
                names.Add(name);
            }
            if (names.Count > 1 && names.Any(n => n.Kind == ChannelKind.PrivateEncrypted))
                Add("channels", "An encrypted (private-encrypted-) channel must be sent to on its own.");
        }

        var eventName = request.Event;
        if (string.IsNullOrEmpty(eventName))
            Add("event", "The event name is required.");
        else if (eventName.Length > ChannelsClient.MaxEventNameLength)
            Add("event", $"The event name is {eventName.Length} characters long; at most {ChannelsClient.MaxEventNameLength} are allowed.");
        else if (ReservedEventPrefixes.FirstOrDefault(p => eventName.StartsWith(p, StringComparison.Ordinal)) is { } reserved)
            Add("event", reserved == "client-"
                ? "client- events are sent by clients to each other, never by the server."
                : $"Event names starting with {reserved} are reserved by Pusher.");

        string? data = null;
        if (request.Data is not { } element || element.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
            Add("data", "The event data is required (a string, or any JSON value).");
        else
        {
            data = ReadData(element);
            if (data is null)
                Add("data", "The event data is not valid Unicode: it holds a lone surrogate (\\ud800) or bytes that are not UTF-8.");
            else if (Encoding.UTF8.GetByteCount(data) is var bytes && bytes > ChannelsClient.MaxDataBytes)
                Add("data", $"The event data is {bytes} bytes; Pusher accepts at most {ChannelsClient.MaxDataBytes} (10 KB).");
        }

        if (request.SocketId is not null && !SocketId.IsValid(request.SocketId))
            Add("socket_id", "socket_id must look like 1234.5678 (the sender's pusher-js connection, to exclude it).");

        return errors.Count > 0 ? (null, Freeze(errors)) : (new ValidTrigger(names, eventName!, data!, request.SocketId), Freeze(errors));
    }

    /// <summary>
    /// The data as it will be sent, or null when it is not valid Unicode. The JSON reader checks strings only when
    /// they are read, so "\\ud800" or a raw 0xFF byte reach this point and used to throw here (a 500).
    /// </summary>
    private static string? ReadData(JsonElement element)
    {
        try
        {
            var text = element.ValueKind == JsonValueKind.String ? element.GetString()! : JsJson.Stringify(element);
            StrictUtf8.GetByteCount(text); // throws on a lone surrogate
            return text;
        }
        catch (Exception e) when (e is InvalidOperationException or EncoderFallbackException)
        {
            return null;
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Authorizes, records, sends and records the outcome.</summary>
    public async Task<SendResult> SendAsync(ClaimsPrincipal user, ValidTrigger trigger, long? retryOf = null, CancellationToken cancellationToken = default)
    {
        var actor = Actor.From(user);
        var refused = await sendable.RefusedAsync(user, trigger.Channels, cancellationToken);
        if (refused.Count > 0)
        {
            audit.Add(db, AuditKinds.EventSent, actor, data: new { channels = trigger.Channels.Select(c => c.Value), reason = "not allowed" },
                channel: trigger.Channels.Count == 1 ? trigger.Channels[0].Value : null, eventName: trigger.EventName, outcome: "refused");
            await db.SaveChangesAsync(cancellationToken);
            return new SendResult(null, StatusCodes.Status403Forbidden, "Not allowed",
                $"You may not send to {string.Join(", ", refused)}.",
                new Dictionary<string, string[]> { ["channels"] = refused.Select(c => $"You may not send to {c}.").ToArray() });
        }

        var sent = new SentEvent
        {
            SenderId = actor.Id ?? "",
            SenderName = actor.Name,
            Channels = JsonSerializer.Serialize(trigger.Channels.Select(c => c.Value)),
            ChannelCount = trigger.Channels.Count,
            EventName = trigger.EventName,
            Data = trigger.Data,
            SocketId = trigger.SocketId,
            CreatedUtc = time.GetUtcNow().UtcDateTime,
            Status = SendStatus.Pending,
            RetryOfId = retryOf,
        };
        db.Add(sent);
        // Recorded before it is sent: whatever happens next, the attempt exists.
        await db.SaveChangesAsync(cancellationToken);

        // From here on the outcome is recorded even if the caller goes away.
        var result = await DeliverAsync(sent, trigger);
        sent.CompletedUtc = time.GetUtcNow().UtcDateTime;
        audit.Add(db, AuditKinds.EventSent, actor, target: $"sent:{sent.Id}",
            data: new { id = sent.Id, channels = trigger.Channels.Select(c => c.Value), data = trigger.Data, pusher_status = sent.PusherStatus, duration_ms = sent.DurationMs, retry_of = retryOf },
            channel: trigger.Channels.Count == 1 ? trigger.Channels[0].Value : null, eventName: trigger.EventName,
            outcome: sent.Status switch { SendStatus.Sent => "success", SendStatus.NotSent => "not-sent", _ => "failure" });
        await db.SaveChangesAsync(CancellationToken.None);
        return result;
    }

    /// <summary>Sends a failed or unsent event again as a new send (the original stays as it was); rules are checked anew.</summary>
    public async Task<SendResult> RetryAsync(ClaimsPrincipal user, long id, CancellationToken cancellationToken = default)
    {
        var original = await db.SentEvents.FindAsync([id], cancellationToken);
        var userId = user.FindFirstValue(ClaimTypes.NameIdentifier);
        if (original is null || (!user.IsInRole(Shared.Roles.Admin) && original.SenderId != userId))
            return new SendResult(null, StatusCodes.Status404NotFound, "No such send", $"There is no send {id} you can retry.");
        if (original.Status is not (SendStatus.Failed or SendStatus.NotSent))
            return new SendResult(original, StatusCodes.Status409Conflict, "Nothing to retry", $"Send {id} is {original.Status}; only failed or unsent sends can be retried.");

        var request = new TriggerRequest
        {
            Channels = JsonSerializer.Deserialize<List<string?>>(original.Channels),
            Event = original.EventName,
            Data = JsonSerializer.SerializeToElement(original.Data),
        };
        var (trigger, errors) = Validate(request, pusher.HasEncryptionKey);
        if (trigger is null)
            return new SendResult(original, StatusCodes.Status400BadRequest, "The send can no longer be retried", string.Join(" ", errors.SelectMany(e => e.Value)), errors);
        return await SendAsync(user, trigger, retryOf: id, cancellationToken);
    }

    private async Task<SendResult> DeliverAsync(SentEvent sent, ValidTrigger trigger)
    {
        if (!pusher.Enabled || !pusher.IsConfigured)
        {
            sent.Status = SendStatus.NotSent;
            sent.PusherBody = pusher.Enabled
                ? "Not sent: Pusher credentials are not configured."
                : "Not sent: Pusher is disabled (PUSHER_ENABLED=false).";
            metrics.Sent(sent.Status, apiDuration: null);
            return new SendResult(sent, StatusCodes.Status503ServiceUnavailable, "Pusher is not available", sent.PusherBody + " The send is recorded and can be retried.");
        }

        var started = time.GetTimestamp();
        try
        {
            await client.TriggerAsync(trigger.Channels.Select(c => c.Value).ToList(), trigger.EventName, trigger.Data, trigger.SocketId, cancellationToken: CancellationToken.None);
            sent.Status = SendStatus.Sent;
            sent.PusherStatus = StatusCodes.Status200OK;
            return new SendResult(sent, StatusCodes.Status200OK, null, null);
        }
        catch (ChannelsApiException e)
        {
            sent.Status = SendStatus.Failed;
            sent.PusherStatus = (int)e.StatusCode;
            sent.PusherBody = Clip(e.Body);
            LogPusherRefused(logger, sent.Id, (int)e.StatusCode);
            return new SendResult(sent, StatusCodes.Status502BadGateway, "Pusher refused the event",
                $"Pusher answered {(int)e.StatusCode} {e.StatusCode}: {Clip(e.Body, 500)}");
        }
        catch (ChannelsUnreachableException e)
        {
            sent.Status = SendStatus.Failed;
            sent.PusherBody = Clip(e.Message);
            LogPusherUnreachable(logger, sent.Id, e.Message);
            return new SendResult(sent, StatusCodes.Status502BadGateway, "Pusher could not be reached", e.Message);
        }
        catch (ChannelsValidationException e)
        {
            // Checked above already; what remains is e.g. encrypted data growing past 10 KB once encrypted.
            sent.Status = SendStatus.Failed;
            sent.PusherBody = Clip("Not sent: " + e.Message);
            return new SendResult(sent, StatusCodes.Status400BadRequest, "The event was not sent", e.Message,
                new Dictionary<string, string[]> { [e.Field] = [e.Message] });
        }
        finally
        {
            var elapsed = time.GetElapsedTime(started);
            sent.DurationMs = (int)Math.Min(int.MaxValue, elapsed.TotalMilliseconds);
            metrics.Sent(sent.Status, elapsed);
        }
    }

    private static string Clip(string text, int max = 2000) => text.Length <= max ? text : text[..max] + "…";

    private static Dictionary<string, string[]> Freeze(Dictionary<string, List<string>> errors) =>
        errors.ToDictionary(e => e.Key, e => e.Value.ToArray());

    [LoggerMessage(Level = LogLevel.Warning, Message = "Send {SentId}: Pusher answered {Status}.")]
    private static partial void LogPusherRefused(ILogger logger, long sentId, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Send {SentId}: Pusher could not be reached: {Reason}")]
    private static partial void LogPusherUnreachable(ILogger logger, long sentId, string reason);
}
