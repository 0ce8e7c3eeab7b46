namespace AdminConsole.Web.Live;

/// <summary>
/// What <see cref="ConsoleHub"/> pushes to the console's pages (JavaScript handlers of the same names, camelCase
/// payloads). Every message carries current state, not a delta, so a page can apply it whenever it arrives and
/// a missed message is corrected by the next one.
/// </summary>
public interface IConsoleClient
{
    /// <summary>Channel rows whose state changed (to admins/auditors; a class's channels also to its teachers).</summary>
    Task ChannelsChanged(IReadOnlyList<ChannelView> channels);

    /// <summary>Presence members who came online or went offline (same audience rule as channels).</summary>
    Task PresenceChanged(IReadOnlyList<PresenceView> members);

    /// <summary>Webhook events just stored, newest last; <see cref="EventBatch.Omitted"/> counts those left out under load.</summary>
    Task WebhookEventsReceived(EventBatch batch);

    /// <summary>
    /// New event-log entries, newest last (admins and auditors only). This is the feed the event log page's
    /// "live" toggle listens to: any feature that writes audit entries can publish them through
    /// <see cref="LivePublisher.PostActivity"/> after its commit.
    /// </summary>
    Task ActivityAppended(ActivityBatch batch);

    /// <summary>The dashboard's figures, sent after every change (throttled), to every console user.</summary>
    Task StatsChanged(DashboardFigures stats);

    /// <summary>Too much changed at once to describe: reload the data shown.</summary>
    Task Resync();
}

public sealed record ChannelView(string Channel, string Kind, bool Occupied, long? OccupiedSinceMs, long OccupancyChangedMs,
    long? SubscriptionCount, int UserCount, string? LastEventName, long LastEventMs);

public sealed record PresenceView(string Channel, string UserId, string? DisplayName, bool Present, long SinceMs);

public sealed record EventView(long Id, string Name, string? Channel, string? UserId, string? EventName, long TimeMs, long ReceivedMs);

public sealed record EventBatch(IReadOnlyList<EventView> Events, int Omitted);

public sealed record ActivityView(long Id, DateTime TimeUtc, string Kind, string ActorName, string? Channel, string? EventName, string? Outcome, string? Target);

public sealed record ActivityBatch(IReadOnlyList<ActivityView> Entries, int Omitted);

public sealed record DashboardFigures(int OccupiedChannels, int PresenceMembersOnline, int WebhooksToday, long? LastWebhookMs, int KnownChannels);
