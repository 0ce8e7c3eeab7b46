using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Occupancy;
using AdminConsole.Web.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Dashboard;

internal static class DashboardQueries
{
    /// <summary>The dashboard's figures; every count is served by an index.</summary>
    public static async Task<DashboardFigures> FiguresAsync(AppDbContext db, TimeProvider time, CancellationToken ct)
    {
        var startOfToday = StartOfTodayMs(time);
        var occupied = await db.ChannelStates.CountAsync(c => c.Occupied, ct);
        var known = await db.ChannelStates.CountAsync(ct);
        var online = await db.PresenceMembers.CountAsync(m => m.Present, ct);
        // From the event log's per-minute counters (at most 1,440 rows a day) rather than counting today's rows,
        // which would grow with traffic and run after every ingest commit.
        var today = await db.ActivityMinutes
            .Where(m => m.Kind == AuditKinds.WebhookEvent && m.StartUnixMs >= startOfToday - startOfToday % 60_000)
            .SumAsync(m => m.Count, ct);
        var last = await db.WebhookBatches.MaxAsync(b => (long?)b.ReceivedMs, ct);
        return new DashboardFigures(occupied, online, today, last, known);
    }

    /// <summary>Midnight in the server's time zone: "today" is the school's day, not UTC's.</summary>
    private static long StartOfTodayMs(TimeProvider time)
    {
        var now = time.GetLocalNow();
        var midnight = new DateTimeOffset(now.Date, now.Offset);
        return midnight.ToUnixTimeMilliseconds();
    }
}
