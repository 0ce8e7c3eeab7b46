using System.ComponentModel.DataAnnotations;
using AdminConsole.Web.Data;
using AdminConsole.Web.Shared;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Occupancy;

public class ChannelsModel(AppDbContext db, IAuthorizationService authorization, ReconcileStatus reconcile) : PageModel
{
    public const int PageSize = 500;
    public static readonly string[] Kinds = ["public", "private", "presence", "private-encrypted", "server-to-user"];

    [BindProperty(SupportsGet = true)]
    public FilterModel Filter { get; set; } = new();

    public List<ChannelState> Channels { get; private set; } = [];
    public bool Truncated { get; private set; }
    public bool CanReconcile { get; private set; }
    public ReconcileResult? LastReconcile => reconcile.Last;

    [TempData]
    public string? StatusMessage { get; set; }

    public sealed class FilterModel
    {
        [Display(Name = "Kind")]
        public string? Kind { get; set; }

        [Display(Name = "Name starts with")]
        [StringLength(164)]
        [RegularExpression(@"^[-a-zA-Z0-9_=@,.;#]*$", ErrorMessage = "A channel name has only letters, digits and - _ = @ , . ;")]
        public string? Prefix { get; set; }
    }

    public async Task OnGetAsync(CancellationToken ct)
    {
        CanReconcile = (await authorization.AuthorizeAsync(User, Policies.Admin)).Succeeded;
        if (Filter.Kind is not null && !Kinds.Contains(Filter.Kind))
            ModelState.AddModelError("Filter.Kind", "Unknown channel kind.");
        if (!ModelState.IsValid)
            return;

        var query = db.ChannelStates.AsNoTracking();
        if (!string.IsNullOrEmpty(Filter.Kind))
            query = query.Where(c => c.Kind == Filter.Kind);
        if (!string.IsNullOrEmpty(Filter.Prefix))
            query = query.Where(c => c.Channel.StartsWith(Filter.Prefix));
        Channels = await query.OrderByDescending(c => c.Occupied).ThenBy(c => c.Channel).Take(PageSize + 1).ToListAsync(ct);
        Truncated = Channels.Count > PageSize;
        if (Truncated) Channels.RemoveAt(PageSize);
    }
}
