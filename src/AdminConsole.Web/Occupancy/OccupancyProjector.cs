using System.Data.Common;
using AdminConsole.Channels;
using AdminConsole.Web.Webhooks;

namespace AdminConsole.Web.Occupancy;

/// <summary>
/// Applies webhook events to <see cref="ChannelState"/> and <see cref="PresenceMember"/> inside the caller's
/// transaction, last-writer-wins by <see cref="OccupancyVersion"/>: an event changes a part of the state only if
/// its version is newer than the version that part was last set by. Because the outcome depends only on the set
/// of events and never on their arrival order, retried, delayed and reordered webhooks all converge.
/// This class decides what each event sets; the provider's subclass writes it with hand-written upserts
/// (<see cref="SqliteOccupancyProjector"/>, <see cref="PostgresOccupancyProjector"/>): this runs for every event on
/// the ingest hot path.
/// </summary>
public abstract class OccupancyProjector : IWebhookProjector
{
    /// <summary>Applies one event; returns what changed so the live pages can be told.</summary>
    public ProjectionChange Apply(string name, string? channel, string? userId, long? subscriptionCount, long timeMs, int index)
    {
        if (string.IsNullOrEmpty(channel))
            return ProjectionChange.None;

        var lastVersion = OccupancyVersion.Of(timeMs, index, 0);
        switch (name)
        {
            case WebhookEventNames.ChannelOccupied:
            {
                var v = OccupancyVersion.Of(timeMs, index, 0);
                var applied = ChannelVersion(channel, name, timeMs, lastVersion, occupied: true, occupancyVersion: v, count: null, countVersion: 0, immediate: false) == v;
                return ProjectionChange.Channel | (applied ? ProjectionChange.Occupancy : 0);
            }
            case WebhookEventNames.ChannelVacated:
            {
                // Nobody is subscribed to a vacated channel: the vacate also sets the count to 0, if newer.
                var v = OccupancyVersion.Of(timeMs, index, 1);
                var applied = ChannelVersion(channel, name, timeMs, lastVersion, occupied: false, occupancyVersion: v, count: 0, countVersion: v, immediate: false) == v;
                return ProjectionChange.Channel | (applied ? ProjectionChange.Occupancy : 0);
            }
            case WebhookEventNames.SubscriptionCount when subscriptionCount is not null:
                Channel(channel, name, timeMs, lastVersion, occupied: false, occupancyVersion: 0, count: subscriptionCount, countVersion: OccupancyVersion.Of(timeMs, index, 0), recount: false);
                return ProjectionChange.Channel;
            case WebhookEventNames.MemberAdded or WebhookEventNames.MemberRemoved when !string.IsNullOrEmpty(userId):
            {
                var added = name == WebhookEventNames.MemberAdded;
                var applied = Member(channel, userId, added, timeMs, OccupancyVersion.Of(timeMs, index, added ? 0 : 1), immediate: false);
                Channel(channel, name, timeMs, lastVersion, occupied: false, occupancyVersion: 0, count: null, countVersion: 0, recount: applied);
                return ProjectionChange.Channel | (applied ? ProjectionChange.Member : 0);
            }
            default:
                Channel(channel, name, timeMs, lastVersion, occupied: false, occupancyVersion: 0, count: null, countVersion: 0, recount: false);
                return ProjectionChange.Channel;
        }
    }

    /// <summary>Reconciliation: sets occupancy as observed by the HTTP API at <paramref name="observedMs"/>.</summary>
    public bool SetOccupied(string channel, bool occupied, long observedMs)
    {
        var v = OccupancyVersion.Of(observedMs, OccupancyVersion.MaxIndex, occupied ? 0 : 1);
        return ChannelVersion(channel, occupied ? "reconcile_occupied" : "reconcile_vacated", observedMs, OccupancyVersion.Of(observedMs, OccupancyVersion.MaxIndex, 0),
            occupied, v, occupied ? null : 0, occupied ? 0 : v, immediate: true) == v;
    }

    /// <summary>Reconciliation: sets the subscription count as observed by the HTTP API (info=subscription_count).</summary>
    // Last-event version 0: an observed count is not an event on the channel, so "last event" stays as it was.
    public void SetSubscriptionCount(string channel, long count, long observedMs) =>
        Channel(channel, "reconcile_subscription_count", observedMs, lastVersion: 0,
            false, 0, count, OccupancyVersion.Of(observedMs, OccupancyVersion.MaxIndex, 0), recount: false);

    /// <summary>Reconciliation: sets one member's presence as observed by the HTTP API.</summary>
    public bool SetMember(string channel, string userId, bool present, long observedMs)
    {
        var changed = Member(channel, userId, present, observedMs, OccupancyVersion.Of(observedMs, OccupancyVersion.MaxIndex, present ? 0 : 1), immediate: true);
        if (changed)
            Channel(channel, present ? "reconcile_member_added" : "reconcile_member_removed", observedMs, OccupancyVersion.Of(observedMs, OccupancyVersion.MaxIndex, 0),
                false, 0, null, 0, recount: true);
        return changed;
    }

    /// <summary>Upserts the channel row.</summary>
    private protected abstract void Channel(string channel, string name, long timeMs, long lastVersion, bool occupied, long occupancyVersion, long? count, long countVersion, bool recount);

    /// <summary>
    /// Upserts the channel row; returns its occupancy version afterwards (equal to ours if ours applied). A provider
    /// that defers the write until <see cref="Complete"/> returns <paramref name="occupancyVersion"/> when not
    /// <paramref name="immediate"/> (the ingest reads the answer only to tell live pages, which re-read the row).
    /// </summary>
    private protected abstract long ChannelVersion(string channel, string name, long timeMs, long lastVersion, bool occupied, long occupancyVersion, long? count, long countVersion, bool immediate);

    /// <summary>
    /// Upserts a member row if the version is newer; returns whether it changed (a deferring provider answers true
    /// when not <paramref name="immediate"/>: the channel's member count is then recounted, which is always right).
    /// </summary>
    private protected abstract bool Member(string channel, string userId, bool present, long timeMs, long version, bool immediate);

    public virtual void Complete()
    {
    }

    public abstract void Dispose();

    public static string KindOf(string channel)
    {
        if (!ChannelName.TryParse(channel, out var parsed, out _))
            return "unknown";
        return parsed.Kind switch
        {
            ChannelKind.Public => "public",
            ChannelKind.Private => "private",
            ChannelKind.Presence => "presence",
            ChannelKind.PrivateEncrypted => "private-encrypted",
            ChannelKind.ServerToUser => "server-to-user",
            _ => "unknown",
        };
    }
}

/// <summary>The projection on the configured provider (registered per provider by AddOccupancy).</summary>
public interface IOccupancyProjection : IWebhookProjection
{
    /// <summary>Prepares the projection's statements on <paramref name="transaction"/>.</summary>
    OccupancyProjector OpenProjector(DbTransaction transaction);
}

internal sealed class SqliteOccupancyProjection : IOccupancyProjection
{
    public IWebhookProjector Open(DbTransaction transaction) => OpenProjector(transaction);
    public OccupancyProjector OpenProjector(DbTransaction transaction) => new SqliteOccupancyProjector((Microsoft.Data.Sqlite.SqliteConnection)transaction.Connection!);
}

internal sealed class PostgresOccupancyProjection : IOccupancyProjection
{
    public IWebhookProjector Open(DbTransaction transaction) => OpenProjector(transaction);
    public OccupancyProjector OpenProjector(DbTransaction transaction) => new PostgresOccupancyProjector((Npgsql.NpgsqlTransaction)transaction);
}

/// <summary>
/// The ordering key of an event for last-writer-wins: time_ms first, then the event's position in its batch
/// (the only ordering a batch carries; Pusher does not document it, so it is
/// used just to make the outcome deterministic), then a rank that settles exact ties the
/// conservative way (vacated over occupied, removed over added). Packed into one integer so SQLite compares it
/// in a single indexed column.
/// </summary>
internal static class OccupancyVersion
{
    public const int MaxIndex = 1023;

    /// <summary>time_ms beyond this would overflow the packing; no real webhook comes near it (year ~71,000).</summary>
    public const long MaxTimeMs = IWebhookProjection.MaxTimeMs;

    public static long Of(long timeMs, int index, int rank) =>
        (timeMs << 11) | ((long)Math.Min(index, MaxIndex) << 1) | (uint)(rank & 1);
}

