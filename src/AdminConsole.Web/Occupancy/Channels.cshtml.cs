using System.ComponentModel.DataAnnotations;
using AdminConsole.Web.Data;
using AdminConsole.Web.Memberships;
using AdminConsole.Web.Shared;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Occupancy;

public class ChannelsModel(AppDbContext db, IAuthorizationService authorization, ReconcileStatus reconcile, MembershipCache memberships) : PageModel
{
    public const int PageSize = 500;
    public static readonly string[] Kinds = ["public", "private", "presence", "private-encrypted", "server-to-user"];

    /// <summary>The state filter: occupied (the default: a vacated channel has nobody to see), vacated, or all.</summary>
    public static readonly string[] States = ["occupied", "vacated", "all"];

    [BindProperty(SupportsGet = true)]
    public FilterModel Filter { get; set; } = new();

    public List<ChannelView> Channels { get; private set; } = [];
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

        [Display(Name = "State")]
        public string? State { get; set; } = "occupied";

        public bool IsDefault => string.IsNullOrEmpty(Kind) && string.IsNullOrEmpty(Prefix) && State == "occupied";
    }

    public async Task OnGetAsync(CancellationToken ct)
    {
        CanReconcile = (await authorization.AuthorizeAsync(User, Policies.Admin)).Succeeded;
        if (Filter.Kind is not null && !Kinds.Contains(Filter.Kind))
            ModelState.AddModelError("Filter.Kind", "Unknown channel kind.");
        Filter.State ??= "occupied"; // an empty select submits nothing
        if (!States.Contains(Filter.State))
            ModelState.AddModelError("Filter.State", "Choose occupied, vacated or all.");
        if (!ModelState.IsValid)
            return;

        var query = db.ChannelStates.AsNoTracking();
        if (Filter.State != "all")
            query = query.Where(c => c.Occupied == (Filter.State == "occupied"));
        if (!string.IsNullOrEmpty(Filter.Kind))
            query = query.Where(c => c.Kind == Filter.Kind);
        if (!string.IsNullOrEmpty(Filter.Prefix))
            query = query.Where(c => c.Channel.StartsWith(Filter.Prefix));
        var rows = await query.OrderByDescending(c => c.Occupied).ThenBy(c => c.Channel).Take(PageSize + 1).ToListAsync(ct);
        Truncated = rows.Count > PageSize;
        var people = await memberships.GetAsync(ct);
        Channels = [.. rows.Take(PageSize).Select(c => ChannelView.From(c, people))];
    }
}
