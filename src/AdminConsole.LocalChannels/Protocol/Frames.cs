using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace AdminConsole.LocalChannels.Protocol;

/// <summary>Builds server-to-client protocol frames as UTF-8 JSON, once per event, so fan-out only copies references.</summary>
internal static class Frames
{
    // Relaxed escaping keeps non-ASCII readable for clients; the frames are not embedded in HTML.
    internal static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary><c>{"event":..,"channel":..,"data":"&lt;string&gt;","user_id":..}</c>; Pusher double-encodes data as a JSON string.</summary>
    public static byte[] Event(string eventName, string? channel, string? data, string? userId = null)
    {
        var buffer = new ArrayBufferWriter<byte>(128 + (data?.Length ?? 0));
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("event", eventName);
            if (channel is not null) w.WriteString("channel", channel);
            if (data is not null) w.WriteString("data", data);
            if (userId is not null) w.WriteString("user_id", userId);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Serializes an object built by <paramref name="write"/> to a string (for the double-encoded data field).</summary>
    public static string Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(w);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static byte[] ConnectionEstablished(string socketId, int activityTimeoutSeconds) =>
        Event("pusher:connection_established", null, Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("socket_id", socketId);
            w.WriteNumber("activity_timeout", activityTimeoutSeconds);
            w.WriteEndObject();
        }));

    public static byte[] Error(string message, int? code) =>
        Event("pusher:error", null, Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("message", message);
            if (code is { } c) w.WriteNumber("code", c);
            else w.WriteNull("code");
            w.WriteEndObject();
        }));

    /// <summary>What pusher-js turns into a <c>pusher:subscription_error</c> on the channel.</summary>
    public static byte[] SubscriptionError(string channel, string type, string error, int status) =>
        Event("pusher:subscription_error", channel, Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("type", type);
            w.WriteString("error", error);
            w.WriteNumber("status", status);
            w.WriteEndObject();
        }));

    public static byte[] Pong() => Event("pusher:pong", null, "{}");
    public static byte[] Ping() => Event("pusher:ping", null, "{}");
}
