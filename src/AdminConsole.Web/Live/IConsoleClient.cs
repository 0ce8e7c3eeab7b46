using AdminConsole.Web.Dashboard;
using AdminConsole.Web.Occupancy;
using AdminConsole.Web.Webhooks;

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

    /// <summary>
    /// New event-log entries, oldest first (admins and auditors only). This is the feed the event log page's
    /// "live" toggle listens to. The event log's feed (EventLog/EventLogFeed.cs) tails the committed log and
    /// publishes every writer's entries through <see cref="EventLog.IAuditFeed"/>, which <see cref="LivePublisher"/> implements.
    /// </summary>
    Task ActivityAppended(ActivityBatch batch);

    /// <summary>The dashboard's figures, sent after every change (throttled), to every console user.</summary>
    Task StatsChanged(DashboardFigures stats);

    /// <summary>Too much changed at once to describe: reload the data shown.</summary>
    Task Resync();

    /// <summary>
    /// This connection is in its groups: everything published from now on reaches it. SignalR completes the
    /// client's handshake before the hub's OnConnectedAsync runs, so a client that acts on "connected" alone can
    /// miss what is published while its groups are being joined.
    /// </summary>
    Task Joined();
}

public sealed record EventBatch(IReadOnlyList<EventView> Events, int Omitted);

/// <summary>An event-log entry as the live log page prepends it; Data is the payload its row expands to.</summary>
public sealed record ActivityView(long Id, DateTime TimeUtc, string Kind, string ActorName, string? Channel, string? EventName, string? Outcome, string? Target, string? Data);

public sealed record ActivityBatch(IReadOnlyList<ActivityView> Entries, int Omitted);
