using AdminConsole.Web.EventLog;
using Npgsql;
using NpgsqlTypes;

namespace AdminConsole.Web.Occupancy;

/// <summary>
/// The projection's upserts on PostgreSQL. The ingest's events are queued into one <see cref="NpgsqlBatch"/> and
/// sent at <see cref="Complete"/>, in order, in one round trip: a round trip per event would cost more than the
/// upsert itself. Reconciliation (<see cref="OccupancyProjector.SetOccupied"/>) needs each answer and runs at once.
/// </summary>
internal sealed class PostgresOccupancyProjector(NpgsqlTransaction transaction) : OccupancyProjector
{
    // The SQLite statements' logic (SqliteOccupancyProjector) in PostgreSQL's words: GREATEST for max(), CASE for
    // iif(), booleans, the existing row named by its alias (an unqualified column is ambiguous in DO UPDATE), and
    // the event-name tie-break in byte order, as SQLite compares, whatever the database's collation.
    internal const string UpsertChannelSql = """
        INSERT INTO "ChannelStates" AS s ("Channel", "Kind", "Occupied", "OccupiedSinceMs", "OccupancyChangedMs", "OccupancyVersion",
                                   "SubscriptionCount", "SubscriptionVersion", "UserCount", "LastEventName", "LastEventMs", "LastEventVersion")
        VALUES ($1::text, $2, $3, $4, $5, $6, $7, $8,
                CASE WHEN $9 THEN (SELECT COUNT(*) FROM "PresenceMembers" WHERE "Present" AND "Channel" = $1::text) ELSE 0 END, $10, $11, $12)
        ON CONFLICT ("Channel") DO UPDATE SET
            "Occupied" = CASE WHEN excluded."OccupancyVersion" > s."OccupancyVersion" THEN excluded."Occupied" ELSE s."Occupied" END,
            "OccupiedSinceMs" = CASE WHEN excluded."OccupancyVersion" > s."OccupancyVersion" THEN excluded."OccupiedSinceMs" ELSE s."OccupiedSinceMs" END,
            "OccupancyChangedMs" = CASE WHEN excluded."OccupancyVersion" > s."OccupancyVersion" THEN excluded."OccupancyChangedMs" ELSE s."OccupancyChangedMs" END,
            "OccupancyVersion" = GREATEST(s."OccupancyVersion", excluded."OccupancyVersion"),
            "SubscriptionCount" = CASE WHEN excluded."SubscriptionVersion" > s."SubscriptionVersion"
                    OR (excluded."SubscriptionVersion" > 0 AND excluded."SubscriptionVersion" = s."SubscriptionVersion"
                        AND (s."SubscriptionCount" IS NULL OR s."SubscriptionCount" < excluded."SubscriptionCount"))
                THEN excluded."SubscriptionCount" ELSE s."SubscriptionCount" END,
            "SubscriptionVersion" = GREATEST(s."SubscriptionVersion", excluded."SubscriptionVersion"),
            "UserCount" = CASE WHEN $9 THEN excluded."UserCount" ELSE s."UserCount" END,
            "LastEventName" = CASE WHEN excluded."LastEventVersion" > s."LastEventVersion"
                    OR (excluded."LastEventVersion" = s."LastEventVersion" AND excluded."LastEventName" COLLATE "C" > s."LastEventName" COLLATE "C")
                THEN excluded."LastEventName" ELSE s."LastEventName" END,
            "LastEventMs" = CASE WHEN excluded."LastEventVersion" > s."LastEventVersion"
                    OR (excluded."LastEventVersion" = s."LastEventVersion" AND excluded."LastEventName" COLLATE "C" > s."LastEventName" COLLATE "C")
                THEN excluded."LastEventMs" ELSE s."LastEventMs" END,
            "LastEventVersion" = GREATEST(s."LastEventVersion", excluded."LastEventVersion")
        """;

    internal const string UpsertChannelReturningSql = UpsertChannelSql + "\nRETURNING \"OccupancyVersion\"";

    internal const string UpsertMemberSql = """
        INSERT INTO "PresenceMembers" AS m ("Channel", "UserId", "Present", "SinceMs", "Version") VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT ("Channel", "UserId") DO UPDATE SET "Present" = excluded."Present", "SinceMs" = excluded."SinceMs", "Version" = excluded."Version"
        WHERE excluded."Version" > m."Version"
        """;

    private readonly NpgsqlBatch _pending = new(transaction.Connection, transaction);

    private protected override void Channel(string channel, string name, long timeMs, long lastVersion, bool occupied, long occupancyVersion, long? count, long countVersion, bool recount) =>
        _pending.BatchCommands.Add(ChannelCommand(UpsertChannelSql, channel, name, timeMs, lastVersion, occupied, occupancyVersion, count, countVersion, recount));

    private protected override long ChannelVersion(string channel, string name, long timeMs, long lastVersion, bool occupied, long occupancyVersion, long? count, long countVersion, bool immediate)
    {
        if (!immediate)
        {
            Channel(channel, name, timeMs, lastVersion, occupied, occupancyVersion, count, countVersion, recount: false);
            return occupancyVersion;
        }
        var command = ChannelCommand(UpsertChannelReturningSql, channel, name, timeMs, lastVersion, occupied, occupancyVersion, count, countVersion, recount: false);
        return (long)RunNow(command, scalar: true)!;
    }

    private protected override bool Member(string channel, string userId, bool present, long timeMs, long version, bool immediate)
    {
        var command = new NpgsqlBatchCommand(UpsertMemberSql)
        {
            Parameters =
            {
                new NpgsqlParameter<string> { TypedValue = AuditChain.WellFormed(channel)! },
                new NpgsqlParameter<string> { TypedValue = AuditChain.WellFormed(userId)! },
                new NpgsqlParameter<bool> { TypedValue = present },
                new NpgsqlParameter<long> { TypedValue = timeMs },
                new NpgsqlParameter<long> { TypedValue = version },
            },
        };
        if (!immediate)
        {
            _pending.BatchCommands.Add(command);
            return true;
        }
        return (int)RunNow(command, scalar: false)! > 0;
    }

    private static NpgsqlBatchCommand ChannelCommand(string sql, string channel, string name, long timeMs, long lastVersion, bool occupied, long occupancyVersion, long? count, long countVersion, bool recount) =>
        new(sql)
        {
            Parameters =
            {
                // PostgreSQL text cannot hold a lone UTF-16 surrogate: stored as U+FFFD, as the event log seals it.
                new NpgsqlParameter<string> { TypedValue = AuditChain.WellFormed(channel)! },
                new NpgsqlParameter<string> { TypedValue = KindOf(channel) },
                new NpgsqlParameter<bool> { TypedValue = occupied },
                Nullable(occupied && occupancyVersion > 0 ? timeMs : null),
                new NpgsqlParameter<long> { TypedValue = occupancyVersion > 0 ? timeMs : 0 },
                new NpgsqlParameter<long> { TypedValue = occupancyVersion },
                Nullable(count),
                new NpgsqlParameter<long> { TypedValue = countVersion },
                new NpgsqlParameter<bool> { TypedValue = recount },
                new NpgsqlParameter<string> { TypedValue = AuditChain.WellFormed(name)! },
                new NpgsqlParameter<long> { TypedValue = timeMs },
                new NpgsqlParameter<long> { TypedValue = lastVersion },
            },
        };

    private static NpgsqlParameter Nullable(long? value) =>
        new() { NpgsqlDbType = NpgsqlDbType.Bigint, Value = value is { } v ? v : DBNull.Value };

    /// <summary>Sends what is queued first, so the statements keep their order.</summary>
    private object? RunNow(NpgsqlBatchCommand command, bool scalar)
    {
        Complete();
        _pending.BatchCommands.Add(command);
        try
        {
            if (scalar)
                return _pending.ExecuteScalar();
            _pending.ExecuteNonQuery();
            return command.RecordsAffected;
        }
        finally
        {
            _pending.BatchCommands.Clear();
        }
    }

    public override void Complete()
    {
        if (_pending.BatchCommands.Count == 0)
            return;
        _pending.ExecuteNonQuery();
        _pending.BatchCommands.Clear();
    }

    public override void Dispose() => _pending.Dispose();
}
