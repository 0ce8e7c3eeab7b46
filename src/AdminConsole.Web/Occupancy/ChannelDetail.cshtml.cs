using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Webhooks;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Occupancy;

public class ChannelDetailModel(AppDbContext db, StorageProvider storage) : PageModel
{
    public const int RecentEvents = 50;

    [BindProperty(SupportsGet = true)]
    public string? Name { get; set; }

    public ChannelState? State { get; private set; }
    public List<ReceivedWebhookEvent> Events { get; private set; } = [];
    public List<PresenceView> Members { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (string.IsNullOrEmpty(Name) || Name.Length > 200)
            return NotFound();
        State = await db.ChannelStates.AsNoTracking().SingleOrDefaultAsync(c => c.Channel == Name, ct);
        if (State is null)
            return NotFound();
        Events = await RecentEventsAsync(Name, ct);
        if (State.Kind == "presence")
            Members = (await PresenceQueries.MembersAsync(db, [Name], ct)).Where(m => m.Present).ToList();
        return Page();
    }

    /// <summary>
    /// Found through the event log, whose (Channel, Id) index every webhook event is already written to, so that
    /// <c>WebhookEvents</c> needs no index of its own by channel: that second random-order index cost the webhook
    /// writer about a fifth of its throughput. The newest log entries of the channel name their deliveries
    /// (<c>webhook:{batch id}</c>); those deliveries' events on this channel are the recent events. INDEXED BY because
    /// without statistics SQLite may prefer the (Kind, Id) index and walk every webhook event ever logged.
    /// </summary>
    internal const string SqliteChannelEntriesSql = """
        SELECT * FROM "AuditEntries" INDEXED BY "IX_AuditEntries_Channel_Id" WHERE "Channel" = {0}
        """;

    /// <summary>PostgreSQL has no index hints and needs none: its planner keeps statistics (autovacuum's ANALYZE).</summary>
    internal const string PostgresChannelEntriesSql = """
        SELECT * FROM "AuditEntries" WHERE "Channel" = {0}
        """;

    private async Task<List<ReceivedWebhookEvent>> RecentEventsAsync(string channel, CancellationToken ct)
    {
        var targets = await db.AuditEntries
            .FromSqlRaw(storage.Choose(sqlite: SqliteChannelEntriesSql, postgres: PostgresChannelEntriesSql), channel)
            .AsNoTracking()
            .Where(a => a.Kind == AuditKinds.WebhookEvent)
            .OrderByDescending(a => a.Id)
            .Select(a => a.Target)
            .Take(RecentEvents)
            .ToListAsync(ct);
        var batches = targets
            .Select(t => WebhookTarget.TryParse(t, out var id) ? id : 0)
            .Where(id => id > 0)
            .Distinct()
            .ToList();
        return await db.WebhookEvents.AsNoTracking()
            .Where(e => batches.Contains(e.BatchId) && e.Channel == channel)
            .OrderByDescending(e => e.Id)
            .Take(RecentEvents)
            .ToListAsync(ct);
    }
}
