using AdminConsole.Channels;
using AdminConsole.Web.Data;
using AdminConsole.Web.Webhooks;
using Microsoft.Data.Sqlite;

namespace AdminConsole.Web.Occupancy;

/// <summary>
/// Applies webhook events to <see cref="ChannelState"/> and <see cref="PresenceMember"/> inside the caller's
/// transaction, last-writer-wins by <see cref="OccupancyVersion"/>: an event changes a part of the state only if
/// its version is newer than the version that part was last set by. Because the outcome depends only on the set
/// of events and never on their arrival order, retried, delayed and reordered webhooks all converge.
/// Plain prepared SQLite statements: this runs for every event on the ingest hot path.
/// </summary>
internal sealed class OccupancyProjector : IWebhookProjector
{
    // One statement per event for the channel row: it creates the row if needed, and each part (occupancy,
    // subscription count, newest event) takes the event's values only if the event is newer than what set
    // that part. A part the event does not carry comes with version 0, which never wins. Every expression
    // reads the row as it was before this statement (SQLite semantics), so the parts do not interfere.
    // Ties between equal versions: the greater count, the greater event name, so arrival order never matters.
    // The member count is recounted from PresenceMembers (written just before): at most 100 members, and a
    // recount cannot drift the way an increment could.
    internal const string UpsertChannelSql = """
        INSERT INTO "ChannelStates" ("Channel", "Kind", "Occupied", "OccupiedSinceMs", "OccupancyChangedMs", "OccupancyVersion",
                                   "SubscriptionCount", "SubscriptionVersion", "UserCount", "LastEventName", "LastEventMs", "LastEventVersion")
        VALUES ($c, $kind, $occupied, $since, $changed, $ov, $count, $sv,
                CASE WHEN $recount THEN (SELECT COUNT(*) FROM "PresenceMembers" WHERE "Present" = 1 AND "Channel" = $c) ELSE 0 END, $name, $t, $lv)
        ON CONFLICT ("Channel") DO UPDATE SET
            "Occupied" = iif(excluded."OccupancyVersion" > "OccupancyVersion", excluded."Occupied", "Occupied"),
            "OccupiedSinceMs" = iif(excluded."OccupancyVersion" > "OccupancyVersion", excluded."OccupiedSinceMs", "OccupiedSinceMs"),
            "OccupancyChangedMs" = iif(excluded."OccupancyVersion" > "OccupancyVersion", excluded."OccupancyChangedMs", "OccupancyChangedMs"),
            "OccupancyVersion" = max("OccupancyVersion", excluded."OccupancyVersion"),
            "SubscriptionCount" = iif(excluded."SubscriptionVersion" > "SubscriptionVersion"
                    OR (excluded."SubscriptionVersion" > 0 AND excluded."SubscriptionVersion" = "SubscriptionVersion"
                        AND ("SubscriptionCount" IS NULL OR "SubscriptionCount" < excluded."SubscriptionCount")),
                excluded."SubscriptionCount", "SubscriptionCount"),
            "SubscriptionVersion" = max("SubscriptionVersion", excluded."SubscriptionVersion"),
            "UserCount" = iif($recount, excluded."UserCount", "UserCount"),
            "LastEventName" = iif(excluded."LastEventVersion" > "LastEventVersion" OR (excluded."LastEventVersion" = "LastEventVersion" AND excluded."LastEventName" > "LastEventName"),
                excluded."LastEventName", "LastEventName"),
            "LastEventMs" = iif(excluded."LastEventVersion" > "LastEventVersion" OR (excluded."LastEventVersion" = "LastEventVersion" AND excluded."LastEventName" > "LastEventName"),
                excluded."LastEventMs", "LastEventMs"),
            "LastEventVersion" = max("LastEventVersion", excluded."LastEventVersion")
        """;

    /// <summary>The version afterwards tells whether an occupancy change applied; the other events do not need it.</summary>
    internal const string UpsertChannelReturningSql = UpsertChannelSql + "\nRETURNING \"OccupancyVersion\"";

    internal const string UpsertMemberSql = """
        INSERT INTO "PresenceMembers" ("Channel", "UserId", "Present", "SinceMs", "Version") VALUES ($c, $u, $present, $t, $v)
        ON CONFLICT ("Channel", "UserId") DO UPDATE SET "Present" = excluded."Present", "SinceMs" = excluded."SinceMs", "Version" = excluded."Version"
        WHERE excluded."Version" > "PresenceMembers"."Version"
        """;

    private readonly SqliteStatement _channel;
    private readonly SqliteStatement _channelReturning;
    private readonly SqliteStatement _member;

    /// <summary>Prepares the upserts; they run on <paramref name="connection"/>'s open transaction.</summary>
    public OccupancyProjector(SqliteConnection connection)
    {
        string[] parameters = ["$c", "$kind", "$occupied", "$since", "$changed", "$ov", "$count", "$sv", "$recount", "$name", "$t", "$lv"];
        _channel = new SqliteStatement(connection, UpsertChannelSql, parameters);
        _channelReturning = new SqliteStatement(connection, UpsertChannelReturningSql, parameters);
        _member = new SqliteStatement(connection, UpsertMemberSql, "$c", "$u", "$present", "$t", "$v");
    }

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
                var applied = ChannelVersion(channel, name, timeMs, lastVersion, occupied: true, occupancyVersion: v, count: null, countVersion: 0) == v;
                return ProjectionChange.Channel | (applied ? ProjectionChange.Occupancy : 0);
            }
            case WebhookEventNames.ChannelVacated:
            {
                // Nobody is subscribed to a vacated channel: the vacate also sets the count to 0, if newer.
                var v = OccupancyVersion.Of(timeMs, index, 1);
                var applied = ChannelVersion(channel, name, timeMs, lastVersion, occupied: false, occupancyVersion: v, count: 0, countVersion: v) == v;
                return ProjectionChange.Channel | (applied ? ProjectionChange.Occupancy : 0);
            }
            case WebhookEventNames.SubscriptionCount when subscriptionCount is not null:
                Channel(channel, name, timeMs, lastVersion, occupied: false, occupancyVersion: 0, count: subscriptionCount, countVersion: OccupancyVersion.Of(timeMs, index, 0), recount: false);
                return ProjectionChange.Channel;
            case WebhookEventNames.MemberAdded or WebhookEventNames.MemberRemoved when !string.IsNullOrEmpty(userId):
            {
                var added = name == WebhookEventNames.MemberAdded;
                var applied = Member(channel, userId, added, timeMs, OccupancyVersion.Of(timeMs, index, added ? 0 : 1));
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
            occupied, v, occupied ? null : 0, occupied ? 0 : v) == v;
    }

    /// <summary>Reconciliation: sets the subscription count as observed by the HTTP API (info=subscription_count).</summary>
    // Last-event version 0: an observed count is not an event on the channel, so "last event" stays as it was.
    public void SetSubscriptionCount(string channel, long count, long observedMs) =>
        Channel(channel, "reconcile_subscription_count", observedMs, lastVersion: 0,
            false, 0, count, OccupancyVersion.Of(observedMs, OccupancyVersion.MaxIndex, 0), recount: false);

    /// <summary>Reconciliation: sets one member's presence as observed by the HTTP API.</summary>
    public bool SetMember(string channel, string userId, bool present, long observedMs)
    {
        var changed = Member(channel, userId, present, observedMs, OccupancyVersion.Of(observedMs, OccupancyVersion.MaxIndex, present ? 0 : 1));
        if (changed)
            Channel(channel, present ? "reconcile_member_added" : "reconcile_member_removed", observedMs, OccupancyVersion.Of(observedMs, OccupancyVersion.MaxIndex, 0),
                false, 0, null, 0, recount: true);
        return changed;
    }

    /// <summary>Upserts the channel row.</summary>
    private void Channel(string channel, string name, long timeMs, long lastVersion, bool occupied, long occupancyVersion, long? count, long countVersion, bool recount) =>
        BindChannel(_channel, channel, name, timeMs, lastVersion, occupied, occupancyVersion, count, countVersion, recount).Execute();

    /// <summary>Upserts the channel row; returns its occupancy version afterwards (equal to ours if ours applied).</summary>
    private long ChannelVersion(string channel, string name, long timeMs, long lastVersion, bool occupied, long occupancyVersion, long? count, long countVersion) =>
        BindChannel(_channelReturning, channel, name, timeMs, lastVersion, occupied, occupancyVersion, count, countVersion, recount: false).ExecuteRow().First;

    private static SqliteStatement BindChannel(SqliteStatement upsert, string channel, string name, long timeMs, long lastVersion, bool occupied, long occupancyVersion, long? count, long countVersion, bool recount) =>
        upsert.Bind(0, channel).Bind(1, KindOf(channel)).Bind(2, occupied ? 1 : 0).Bind(3, occupied && occupancyVersion > 0 ? timeMs : null)
            .Bind(4, occupancyVersion > 0 ? timeMs : 0).Bind(5, occupancyVersion).Bind(6, count).Bind(7, countVersion).Bind(8, recount ? 1 : 0)
            .Bind(9, name).Bind(10, timeMs).Bind(11, lastVersion);

    /// <summary>Upserts a member row if the version is newer; returns whether it changed.</summary>
    private bool Member(string channel, string userId, bool present, long timeMs, long version) =>
        _member.Bind(0, channel).Bind(1, userId).Bind(2, present ? 1 : 0).Bind(3, timeMs).Bind(4, version).Execute() > 0;

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

    public void Dispose()
    {
        _channel.Dispose();
        _channelReturning.Dispose();
        _member.Dispose();
    }
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

/// <summary>The ingest's projection: <see cref="OccupancyProjector"/> on the writer's transaction.</summary>
internal sealed class OccupancyProjection : IWebhookProjection
{
    public IWebhookProjector Open(SqliteConnection connection) => new OccupancyProjector(connection);
}
