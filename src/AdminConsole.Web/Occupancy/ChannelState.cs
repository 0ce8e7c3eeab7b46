using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AdminConsole.Web.Occupancy;

/// <summary>
/// What the console believes about one channel, maintained by <see cref="OccupancyProjector"/> from webhooks
/// (and corrected by <see cref="OccupancyReconciler"/>). The *Version columns hold the ordering key of the
/// event that last set each part (see <see cref="OccupancyVersion"/>), so late or repeated webhooks cannot
/// roll the state back.
/// </summary>
public class ChannelState
{
    [MaxLength(200)]
    public string Channel { get; set; } = "";

    /// <summary>public, private, presence, private-encrypted, server-to-user (lower case, as shown and filtered).</summary>
    [MaxLength(24)]
    public string Kind { get; set; } = "";

    public bool Occupied { get; set; }

    /// <summary>time_ms of the channel_occupied that applies; null while vacated.</summary>
    public long? OccupiedSinceMs { get; set; }

    /// <summary>time_ms of the occupancy change that applies (occupied or vacated).</summary>
    public long OccupancyChangedMs { get; set; }

    public long OccupancyVersion { get; set; }

    /// <summary>Subscribers, from subscription_count webhooks (0 after a newer vacated); null when never reported.</summary>
    public long? SubscriptionCount { get; set; }

    public long SubscriptionVersion { get; set; }

    /// <summary>Presence channels: members currently online according to <see cref="PresenceMember"/>.</summary>
    public int UserCount { get; set; }

    /// <summary>Name of the newest webhook event seen on the channel (any kind).</summary>
    [MaxLength(100)]
    public string? LastEventName { get; set; }

    public long LastEventMs { get; set; }

    public long LastEventVersion { get; set; }
}

/// <summary>
/// A user on a presence channel. Rows stay after member_removed (Present = false) so that an older
/// member_added arriving later cannot bring the user back.
/// </summary>
public class PresenceMember
{
    [MaxLength(200)]
    public string Channel { get; set; } = "";

    [MaxLength(200)]
    public string UserId { get; set; } = "";

    public bool Present { get; set; }

    /// <summary>time_ms of the event that applies: online since, or offline since.</summary>
    public long SinceMs { get; set; }

    public long Version { get; set; }
}

internal sealed class ChannelStateConfiguration : IEntityTypeConfiguration<ChannelState>
{
    public void Configure(EntityTypeBuilder<ChannelState> e)
    {
        e.ToTable("ChannelStates");
        e.HasKey(c => c.Channel);
        e.HasIndex(c => new { c.Occupied, c.Channel });
        e.HasIndex(c => new { c.Kind, c.Channel });
    }
}

internal sealed class PresenceMemberConfiguration : IEntityTypeConfiguration<PresenceMember>
{
    public void Configure(EntityTypeBuilder<PresenceMember> e)
    {
        e.ToTable("PresenceMembers");
        e.HasKey(m => new { m.Channel, m.UserId });
        e.HasIndex(m => new { m.Present, m.Channel });
    }
}
