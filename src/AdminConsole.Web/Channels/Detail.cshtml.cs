using AdminConsole.Web.Data;
using AdminConsole.Web.Live;
using AdminConsole.Web.Occupancy;
using AdminConsole.Web.Webhooks;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Channels;

public class DetailModel(AppDbContext db) : PageModel
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
        Events = await db.WebhookEvents.AsNoTracking().Where(e => e.Channel == Name).OrderByDescending(e => e.Id).Take(RecentEvents).ToListAsync(ct);
        if (State.Kind == "presence")
            Members = (await PresenceQueries.MembersAsync(db, [Name], ct)).Where(m => m.Present).ToList();
        return Page();
    }
}
