using AdminConsole.Web.Memberships;

namespace AdminConsole.Web.Occupancy;

/// <summary>
/// A channel row as the pages (and their live updates) show it. <paramref name="Label"/>: whose channel it is, in
/// people's words (<see cref="MembershipSnapshot.Describe"/>), or null.
/// </summary>
public sealed record ChannelView(string Channel, string Kind, bool Occupied, long? OccupiedSinceMs, long OccupancyChangedMs,
    long? SubscriptionCount, int UserCount, string? LastEventName, long LastEventMs, string? Label = null)
{
    public static ChannelView From(ChannelState c, MembershipSnapshot? people = null) =>
        new(c.Channel, c.Kind, c.Occupied, c.OccupiedSinceMs, c.OccupancyChangedMs, c.SubscriptionCount, c.UserCount, c.LastEventName, c.LastEventMs,
            people?.Describe(c.Channel));
}

/// <summary>A presence member with the console user's display name, online or not.</summary>
public sealed record PresenceView(string Channel, string UserId, string? DisplayName, bool Present, long SinceMs);
