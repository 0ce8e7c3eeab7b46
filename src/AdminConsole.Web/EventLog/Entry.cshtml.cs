using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AdminConsole.Web.EventLog;

/// <summary>The permalink of one entry: every field, the pretty payload and its seal.</summary>
public class EntryModel(EventLogQuery query, EventLogSearch search) : PageModel
{
    public AuditEntry Entry { get; private set; } = null!;
    public LogNames Names { get; private set; } = LogNames.None;

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken ct)
    {
        if (await query.FindAsync(id, ct) is not { } entry)
            return NotFound();
        Entry = entry;
        Names = await search.NamesAsync(ct);
        return Page();
    }
}
