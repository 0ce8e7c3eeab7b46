using AdminConsole.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.EventLog;

public sealed record ActivitySeries(string Kind, double[] PerMinute);

/// <summary>What the activity charts draw; times are Unix milliseconds UTC (bucket starts).</summary>
public sealed record ActivityChartData(
    string Range,
    int BucketMinutes,
    long[] Buckets,
    IReadOnlyList<ActivitySeries> Kinds,
    long[] OccupiedChannels,
    DateTime? LastActivityUtc);

/// <summary>
/// Reads the charts from <see cref="ActivityMinute"/> rows (at most one per kind and minute), never from the log:
/// a week is ~10,000 minutes whatever the number of entries.
/// </summary>
public sealed class ActivityChart(AppDbContext db, TimeProvider time)
{
    public static readonly IReadOnlyDictionary<string, (int BucketMinutes, int Buckets)> Ranges =
        new Dictionary<string, (int, int)>
        {
            ["hour"] = (1, 60),
            ["day"] = (15, 96),
            ["week"] = (120, 84),
        };

    public async Task<ActivityChartData> ReadAsync(string range, CancellationToken ct = default)
    {
        var (bucketMinutes, buckets) = Ranges[range];
        var bucketMs = bucketMinutes * 60_000L;
        var nowMinute = ActivityMinute.MinuteOf(time.GetUtcNow().UtcDateTime);
        var lastBucket = nowMinute - (nowMinute % bucketMs);
        var start = lastBucket - (buckets - 1) * bucketMs;

        var rows = await db.ActivityMinutes.AsNoTracking()
            .Where(m => m.StartUnixMs >= start)
            .Select(m => new { m.StartUnixMs, m.Kind, m.Count })
            .ToListAsync(ct);
        // Occupied channels at the window's start: the running sum of every earlier change.
        var occupiedBefore = await db.ActivityMinutes
            .Where(m => m.Kind == ActivityMinute.OccupancySeries && m.StartUnixMs < start)
            .SumAsync(m => m.Count, ct);
        var lastMinute = await db.ActivityMinutes.MaxAsync(m => (long?)m.StartUnixMs, ct);

        var starts = Enumerable.Range(0, buckets).Select(i => start + i * bucketMs).ToArray();
        int Bucket(long minute) => (int)Math.Min(buckets - 1, (minute - start) / bucketMs);

        var kinds = rows.Where(r => r.Kind != ActivityMinute.OccupancySeries)
            .GroupBy(r => r.Kind)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var perMinute = new double[buckets];
                foreach (var r in g) perMinute[Bucket(r.StartUnixMs)] += r.Count;
                for (var i = 0; i < buckets; i++) perMinute[i] /= bucketMinutes;
                return new ActivitySeries(g.Key, perMinute);
            })
            .ToList();

        var deltas = new long[buckets];
        foreach (var r in rows.Where(r => r.Kind == ActivityMinute.OccupancySeries))
            deltas[Bucket(r.StartUnixMs)] += r.Count;
        var occupied = new long[buckets];
        var running = occupiedBefore;
        for (var i = 0; i < buckets; i++)
        {
            running += deltas[i];
            // A vacated webhook whose occupied one predates the log (or was purged) must not show -1 channels.
            occupied[i] = Math.Max(0, running);
        }

        return new ActivityChartData(range, bucketMinutes, starts, kinds, occupied,
            lastMinute is { } lm ? DateTimeOffset.FromUnixTimeMilliseconds(lm).UtcDateTime : null);
    }
}
