using AdminConsole.Web.Data;
using AdminConsole.Web.Live;
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
        var today = await db.WebhookBatches.CountAsync(b => b.ReceivedMs >= startOfToday, ct);
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
