namespace AdminConsole.Web.Occupancy;

/// <summary>A channel row as the pages (and their live updates) show it.</summary>
public sealed record ChannelView(string Channel, string Kind, bool Occupied, long? OccupiedSinceMs, long OccupancyChangedMs,
    long? SubscriptionCount, int UserCount, string? LastEventName, long LastEventMs)
{
    public static ChannelView From(ChannelState c) =>
        new(c.Channel, c.Kind, c.Occupied, c.OccupiedSinceMs, c.OccupancyChangedMs, c.SubscriptionCount, c.UserCount, c.LastEventName, c.LastEventMs);
}

/// <summary>A presence member with the console user's display name, online or not.</summary>
public sealed record PresenceView(string Channel, string UserId, string? DisplayName, bool Present, long SinceMs);
