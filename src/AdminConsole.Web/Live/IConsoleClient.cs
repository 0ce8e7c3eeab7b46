namespace AdminConsole.Web.Live;

/// <summary>
/// What <see cref="ConsoleHub"/> pushes to the console's pages (JavaScript handlers of the same names, camelCase
/// payloads). Every message carries current state, not a delta, so a page can apply it whenever it arrives and
/// a missed message is corrected by the next one.
/// The event log's live toggle listens to one more method on the same hub, <c>ActivityAppended(entry)</c>, sent
/// to <see cref="ConsoleGroups.AllActivity"/> by the event log's feed, which tails the audit table so that it
/// covers every writer (webhook entries included) in chain order.
/// </summary>
public interface IConsoleClient
{
    /// <summary>Channel rows whose state changed (to admins/auditors; a class's channels also to its teachers).</summary>
    Task ChannelsChanged(IReadOnlyList<ChannelView> channels);

    /// <summary>Presence members who came online or went offline (same audience rule as channels).</summary>
    Task PresenceChanged(IReadOnlyList<PresenceView> members);

    /// <summary>Webhook events just stored, newest last; <see cref="EventBatch.Omitted"/> counts those left out under load.</summary>
    Task WebhookEventsReceived(EventBatch batch);

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

public sealed record DashboardFigures(int OccupiedChannels, int PresenceMembersOnline, int WebhooksToday, long? LastWebhookMs, int KnownChannels);
