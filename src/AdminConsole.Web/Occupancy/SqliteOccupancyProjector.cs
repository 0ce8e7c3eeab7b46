using AdminConsole.Web.Data;
using Microsoft.Data.Sqlite;

namespace AdminConsole.Web.Occupancy;

/// <summary>The projection's upserts as prepared SQLite statements, run at once, one per event.</summary>
internal sealed class SqliteOccupancyProjector : OccupancyProjector
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
    public SqliteOccupancyProjector(SqliteConnection connection)
    {
        string[] parameters = ["$c", "$kind", "$occupied", "$since", "$changed", "$ov", "$count", "$sv", "$recount", "$name", "$t", "$lv"];
        _channel = new SqliteStatement(connection, UpsertChannelSql, parameters);
        _channelReturning = new SqliteStatement(connection, UpsertChannelReturningSql, parameters);
        _member = new SqliteStatement(connection, UpsertMemberSql, "$c", "$u", "$present", "$t", "$v");
    }

    /// <summary>Upserts the channel row.</summary>
    private protected override void Channel(string channel, string name, long timeMs, long lastVersion, bool occupied, long occupancyVersion, long? count, long countVersion, bool recount) =>
        BindChannel(_channel, channel, name, timeMs, lastVersion, occupied, occupancyVersion, count, countVersion, recount).Execute();

    /// <summary>Upserts the channel row; returns its occupancy version afterwards (equal to ours if ours applied).</summary>
    private protected override long ChannelVersion(string channel, string name, long timeMs, long lastVersion, bool occupied, long occupancyVersion, long? count, long countVersion, bool immediate) =>
        BindChannel(_channelReturning, channel, name, timeMs, lastVersion, occupied, occupancyVersion, count, countVersion, recount: false).ExecuteRow().First;

    private static SqliteStatement BindChannel(SqliteStatement upsert, string channel, string name, long timeMs, long lastVersion, bool occupied, long occupancyVersion, long? count, long countVersion, bool recount) =>
        upsert.Bind(0, channel).Bind(1, KindOf(channel)).Bind(2, occupied ? 1 : 0).Bind(3, occupied && occupancyVersion > 0 ? timeMs : null)
            .Bind(4, occupancyVersion > 0 ? timeMs : 0).Bind(5, occupancyVersion).Bind(6, count).Bind(7, countVersion).Bind(8, recount ? 1 : 0)
            .Bind(9, name).Bind(10, timeMs).Bind(11, lastVersion);

    /// <summary>Upserts a member row if the version is newer; returns whether it changed.</summary>
    private protected override bool Member(string channel, string userId, bool present, long timeMs, long version, bool immediate) =>
        _member.Bind(0, channel).Bind(1, userId).Bind(2, present ? 1 : 0).Bind(3, timeMs).Bind(4, version).Execute() > 0;

    public override void Dispose()
    {
        _channel.Dispose();
        _channelReturning.Dispose();
        _member.Dispose();
    }
}

