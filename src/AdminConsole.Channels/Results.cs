using System.Text.Json;

namespace AdminConsole.Channels;

/// <summary>One event of a batch trigger (exactly one channel per event).</summary>
public sealed record BatchEvent(string Channel, string Name, string Data, string? SocketId = null, string? Info = null);

/// <summary>Attributes of one channel as the API reports them; absent attributes are null.</summary>
public sealed record ChannelInfo(bool? Occupied, int? UserCount, int? SubscriptionCount, ChannelCache? Cache)
{
    internal static ChannelInfo From(JsonElement e)
    {
        bool? occupied = e.TryGetProperty("occupied", out var o) && o.ValueKind is JsonValueKind.True or JsonValueKind.False ? o.GetBoolean() : null;
        ChannelCache? cache = null;
        if (e.TryGetProperty("cache", out var c) && c.ValueKind == JsonValueKind.Object)
        {
            cache = new ChannelCache(
                c.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.String ? LenientJson.GetString(d) : null,
                Int(c, "ttl"));
        }
        return new ChannelInfo(occupied, Int(e, "user_count"), Int(e, "subscription_count"), cache);
    }

    private static int? Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;
}

/// <summary>The cached event of a cache channel and its remaining time to live (seconds).</summary>
public sealed record ChannelCache(string? Data, int? Ttl);

/// <summary>Result of a trigger: channel attributes per channel when <c>info</c> was asked, else empty.</summary>
public sealed record TriggerResult(IReadOnlyDictionary<string, ChannelInfo> Channels);

/// <summary>Result of a batch trigger: attributes per event, aligned by index, when any <c>info</c> was asked; else empty.</summary>
public sealed record BatchTriggerResult(IReadOnlyList<ChannelInfo> Batch);

/// <summary>Occupied channels (optionally filtered by prefix) with the attributes asked for.</summary>
public sealed record ChannelList(IReadOnlyDictionary<string, ChannelInfo> Channels);

/// <summary>A member of a presence channel.</summary>
public sealed record PresenceUser(string Id);
