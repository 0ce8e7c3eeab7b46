using AdminConsole.Channels;
using Microsoft.Data.Sqlite;

namespace AdminConsole.Web.Occupancy;

/// <summary>
/// Applies webhook events to <see cref="ChannelState"/> and <see cref="PresenceMember"/> inside the caller's
/// transaction, last-writer-wins by <see cref="OccupancyVersion"/>: an event changes a part of the state only if
/// its version is newer than the version that part was last set by. Because the outcome depends only on the set
/// of events and never on their arrival order, retried, delayed and reordered webhooks all converge.
/// Plain prepared SQLite statements: this runs for every event on the ingest hot path.
/// </summary>
internal sealed class OccupancyProjector : IDisposable
{
    private readonly SqliteCommand _touch;
    private readonly SqliteCommand _occupancy;
    private readonly SqliteCommand _vacateCount;
    private readonly SqliteCommand _subscriptionCount;
    private readonly SqliteCommand _member;
    private readonly SqliteCommand _userCount;

    public OccupancyProjector(SqliteConnection connection, SqliteTransaction transaction)
    {
        // Ensures the row exists and records the newest event seen; ties between equal versions go to the
        // greater name so the result does not depend on which arrived first.
        _touch = Prepare(connection, transaction, """
            INSERT INTO ChannelStates (Channel, Kind, Occupied, OccupiedSinceMs, OccupancyChangedMs, OccupancyVersion,
                                       SubscriptionCount, SubscriptionVersion, UserCount, LastEventName, LastEventMs, LastEventVersion)
            VALUES ($c, $kind, 0, NULL, 0, 0, NULL, 0, 0, $name, $t, $v)
            ON CONFLICT (Channel) DO UPDATE SET
                LastEventName = excluded.LastEventName, LastEventMs = excluded.LastEventMs, LastEventVersion = excluded.LastEventVersion
            WHERE excluded.LastEventVersion > ChannelStates.LastEventVersion
               OR (excluded.LastEventVersion = ChannelStates.LastEventVersion AND excluded.LastEventName > ChannelStates.LastEventName)
            """, "$c", "$kind", "$name", "$t", "$v");
        _occupancy = Prepare(connection, transaction, """
            UPDATE ChannelStates SET Occupied = $occupied, OccupiedSinceMs = $since, OccupancyChangedMs = $t, OccupancyVersion = $v
            WHERE Channel = $c AND OccupancyVersion < $v
            """, "$c", "$occupied", "$since", "$t", "$v");
        // Nobody is subscribed to a vacated channel: a vacate newer than the last count resets it.
        _vacateCount = Prepare(connection, transaction, """
            UPDATE ChannelStates SET SubscriptionCount = 0, SubscriptionVersion = $v
            WHERE Channel = $c AND SubscriptionVersion < $v
            """, "$c", "$v");
        _subscriptionCount = Prepare(connection, transaction, """
            UPDATE ChannelStates SET SubscriptionCount = $n, SubscriptionVersion = $v
            WHERE Channel = $c AND (SubscriptionVersion < $v OR (SubscriptionVersion = $v AND (SubscriptionCount IS NULL OR SubscriptionCount < $n)))
            """, "$c", "$n", "$v");
        _member = Prepare(connection, transaction, """
            INSERT INTO PresenceMembers (Channel, UserId, Present, SinceMs, Version) VALUES ($c, $u, $present, $t, $v)
            ON CONFLICT (Channel, UserId) DO UPDATE SET Present = excluded.Present, SinceMs = excluded.SinceMs, Version = excluded.Version
            WHERE excluded.Version > PresenceMembers.Version
            """, "$c", "$u", "$present", "$t", "$v");
        // Recounted rather than incremented: at most 100 members, and a count cannot drift.
        _userCount = Prepare(connection, transaction, """
            UPDATE ChannelStates SET UserCount = (SELECT COUNT(*) FROM PresenceMembers WHERE Channel = $c AND Present = 1)
            WHERE Channel = $c
            """, "$c");
    }

    /// <summary>Applies one event; returns what changed so the live pages can be told.</summary>
    public ProjectionChange Apply(string name, string? channel, string? userId, long? subscriptionCount, long timeMs, int index)
    {
        if (string.IsNullOrEmpty(channel))
            return ProjectionChange.None;

        var touched = Run(_touch, channel, KindOf(channel), name, timeMs, OccupancyVersion.Of(timeMs, index, 0)) > 0;
        var change = touched ? ProjectionChange.Channel : ProjectionChange.None;
        switch (name)
        {
            case WebhookEventNames.ChannelOccupied:
                if (Run(_occupancy, channel, 1, timeMs, timeMs, OccupancyVersion.Of(timeMs, index, 0)) > 0)
                    change |= ProjectionChange.Channel | ProjectionChange.Occupancy;
                break;
            case WebhookEventNames.ChannelVacated:
                var v = OccupancyVersion.Of(timeMs, index, 1);
                if (Run(_occupancy, channel, 0, DBNull.Value, timeMs, v) > 0)
                    change |= ProjectionChange.Channel | ProjectionChange.Occupancy;
                if (Run(_vacateCount, channel, v) > 0)
                    change |= ProjectionChange.Channel;
                break;
            case WebhookEventNames.SubscriptionCount when subscriptionCount is not null:
                if (Run(_subscriptionCount, channel, subscriptionCount.Value, OccupancyVersion.Of(timeMs, index, 0)) > 0)
                    change |= ProjectionChange.Channel;
                break;
            case WebhookEventNames.MemberAdded or WebhookEventNames.MemberRemoved when !string.IsNullOrEmpty(userId):
                var added = name == WebhookEventNames.MemberAdded;
                if (Run(_member, channel, userId, added ? 1 : 0, timeMs, OccupancyVersion.Of(timeMs, index, added ? 0 : 1)) > 0)
                {
                    Run(_userCount, channel);
                    change |= ProjectionChange.Channel | ProjectionChange.Member;
                }
                break;
        }
        return change;
    }

    /// <summary>Reconciliation: sets occupancy as observed by the HTTP API at <paramref name="observedMs"/>.</summary>
    public bool SetOccupied(string channel, bool occupied, long observedMs)
    {
        Run(_touch, channel, KindOf(channel), occupied ? "reconcile_occupied" : "reconcile_vacated", observedMs, OccupancyVersion.Of(observedMs, OccupancyVersion.MaxIndex, 0));
        var v = OccupancyVersion.Of(observedMs, OccupancyVersion.MaxIndex, occupied ? 0 : 1);
        var changed = Run(_occupancy, channel, occupied ? 1 : 0, occupied ? observedMs : DBNull.Value, observedMs, v) > 0;
        if (!occupied)
            Run(_vacateCount, channel, v);
        return changed;
    }

    /// <summary>Reconciliation: sets one member's presence as observed by the HTTP API.</summary>
    public bool SetMember(string channel, string userId, bool present, long observedMs)
    {
        var changed = Run(_member, channel, userId, present ? 1 : 0, observedMs, OccupancyVersion.Of(observedMs, OccupancyVersion.MaxIndex, present ? 0 : 1)) > 0;
        if (changed)
            Run(_userCount, channel);
        return changed;
    }

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

    private static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction transaction, string sql, params string[] parameters)
    {
        var cmd = connection.CreateCommand();
        cmd.Transaction = transaction;
        cmd.CommandText = sql;
        foreach (var p in parameters)
            cmd.Parameters.Add(new SqliteParameter(p, null));
        cmd.Prepare();
        return cmd;
    }

    private static int Run(SqliteCommand cmd, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
            cmd.Parameters[i].Value = values[i] ?? DBNull.Value;
        return cmd.ExecuteNonQuery();
    }

    public void Dispose()
    {
        _touch.Dispose();
        _occupancy.Dispose();
        _vacateCount.Dispose();
        _subscriptionCount.Dispose();
        _member.Dispose();
        _userCount.Dispose();
    }
}

/// <summary>What an applied event changed.</summary>
[Flags]
internal enum ProjectionChange
{
    None = 0,
    Channel = 1,
    Occupancy = 2,
    Member = 4,
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
    public const long MaxTimeMs = (1L << 51) - 1;

    public static long Of(long timeMs, int index, int rank) =>
        (timeMs << 11) | ((long)Math.Min(index, MaxIndex) << 1) | (uint)(rank & 1);
}
