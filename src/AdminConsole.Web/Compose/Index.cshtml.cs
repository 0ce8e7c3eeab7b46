using System.Security.Claims;
using AdminConsole.Web.Data;
using AdminConsole.Web.Pusher;
using AdminConsole.Web.Shared;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Compose;

/// <summary>Compose and send an event; below it the send history (a teacher's own sends, an admin's view of all).</summary>
[EnableRateLimiting(ComposeRateLimitPolicy.Name)]
public class IndexModel(SendableChannels sendable, AppDbContext db, EventSender sender, PusherApp pusher) : PageModel
{
    public const int PageSize = 25;

    public IReadOnlyList<ChannelChoice> Choices { get; private set; } = [];

    /// <summary>The class whose "Everyone in …" is ticked when the page opens (the teacher home's "Announce" button).</summary>
    public int? PreselectedClass { get; private set; }

    /// <summary>A channel as people know it ("Everyone in Physics 7A"); null for one the picker does not offer.</summary>
    public string? LabelOf(string channel) => _labels.GetValueOrDefault(channel);

    private Dictionary<string, string> _labels = [];
    public IReadOnlyList<SentEvent> History { get; private set; } = [];
    /// <summary>Keyset cursor of the next (older) history page, if there is one.</summary>
    public long? OlderThan { get; private set; }
    public bool IsAdmin => User.IsInRole(Roles.Admin);
    public bool EncryptionAvailable => pusher.HasEncryptionKey;

    /// <summary>Why sends will not reach Pusher right now, in plain words; null when they will.</summary>
    public string? PusherWarning => !pusher.Enabled
        ? "Pusher is disabled (PUSHER_ENABLED=false): sends are recorded as not sent."
        : !pusher.IsConfigured ? "Pusher credentials are not configured: sends are recorded as not sent." : null;

    [TempData] public string? StatusMessage { get; set; }
    [TempData] public bool StatusIsError { get; set; }

    public async Task OnGetAsync(long? before, [FromQuery(Name = "class")] int? classId, CancellationToken cancellationToken)
    {
        PreselectedClass = classId;
        await LoadHistoryAsync(before, cancellationToken);
    }

    /// <summary>The history table alone, for compose.js to refresh after a send.</summary>
    public async Task<IActionResult> OnGetHistoryAsync(long? before, CancellationToken cancellationToken)
    {
        await LoadHistoryAsync(before, cancellationToken);
        return Partial("_History", this);
    }

    public async Task<IActionResult> OnPostRetryAsync(long id, CancellationToken cancellationToken)
    {
        var result = await sender.RetryAsync(User, id, cancellationToken);
        StatusIsError = !result.Succeeded;
        StatusMessage = result.Succeeded
            ? $"Send {id} retried: sent as #{result.Record!.Id}."
            : $"Retry of send {id}: {result.Title}. {result.Detail}";
        return RedirectToPage();
    }

    private async Task LoadHistoryAsync(long? before, CancellationToken cancellationToken)
    {
        Choices = await sendable.ListAsync(User, cancellationToken);
        _labels = Choices.GroupBy(c => c.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Label, StringComparer.Ordinal);
        var query = db.SentEvents.AsNoTracking();
        if (!IsAdmin)
        {
            var me = User.FindFirstValue(ClaimTypes.NameIdentifier);
            query = query.Where(s => s.SenderId == me);
        }
        if (before is { } cursor)
            query = query.Where(s => s.Id < cursor);
        var rows = await query.OrderByDescending(s => s.Id).Take(PageSize + 1).ToListAsync(cancellationToken);
        OlderThan = rows.Count > PageSize ? rows[PageSize - 1].Id : null;
        History = rows.Take(PageSize).ToList();
    }
}
