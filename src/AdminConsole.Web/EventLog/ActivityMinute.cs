namespace AdminConsole.Web.EventLog;

/// <summary>
/// How many entries of one kind were written in one minute. Maintained in the transaction that writes the
/// entries (<see cref="AuditChain"/>), so the charts never scan the log and never disagree with it.
/// </summary>
public class ActivityMinute
{
    /// <summary>Start of the minute, Unix milliseconds UTC (a long: SQLite orders and compares it natively).</summary>
    public long StartUnixMs { get; set; }

    /// <summary>An <see cref="AuditKinds"/> value, or <see cref="OccupancySeries"/>.</summary>
    public string Kind { get; set; } = "";

    /// <summary>Entries of the kind in the minute; for <see cref="OccupancySeries"/>, the net change.</summary>
    public long Count { get; set; }

    /// <summary>
    /// Net change of occupied channels in the minute (+1 per channel_occupied, -1 per channel_vacated webhook
    /// event); the running sum is the number of occupied channels over time.
    /// </summary>
    public const string OccupancySeries = "~channels.occupied";

    internal static IEnumerable<(long Minute, string Kind, long Delta)> Deltas(IEnumerable<AuditEntry> entries)
    {
        var counts = new Dictionary<(long, string), long>();
        foreach (var e in entries)
        {
            var minute = MinuteOf(e.TimeUtc);
            Bump(counts, (minute, e.Kind), 1);
            if (OccupancyDelta(e) is var d and not 0)
                Bump(counts, (minute, OccupancySeries), d);
        }
        return counts.Select(kv => (kv.Key.Item1, kv.Key.Item2, kv.Value));
    }

    internal static long MinuteOf(DateTime utc)
    {
        var ms = new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).ToUnixTimeMilliseconds();
        return ms - ms % 60_000;
    }

    private static int OccupancyDelta(AuditEntry e)
    {
        // Duplicates and rejected deliveries did not change anything; Pusher retries would double count.
        if (e.Kind != AuditKinds.WebhookEvent || e.Outcome is "duplicate" or "rejected")
            return 0;
        return e.EventName switch
        {
            "channel_occupied" => 1,
            "channel_vacated" => -1,
            _ => 0,
        };
    }

    private static void Bump(Dictionary<(long, string), long> counts, (long, string) key, long by) =>
        counts[key] = counts.GetValueOrDefault(key) + by;
}
