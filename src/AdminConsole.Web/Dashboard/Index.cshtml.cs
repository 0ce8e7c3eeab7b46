using AdminConsole.Web.Data;
using AdminConsole.Web.Shared;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AdminConsole.Web.Dashboard;

public class IndexModel(AppDbContext db, TimeProvider time) : PageModel
{
    public DashboardFigures Figures { get; private set; } = null!;

    /// <summary>The address to give Pusher, as this console is reached.</summary>
    public string WebhookUrl => $"{Request.Scheme}://{Request.Host}/pusher/webhook";

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        // Students have no console; their home is their classes page.
        if (User.IsInRole(Roles.Student) && !User.IsInRole(Roles.Admin))
            return RedirectToPage("/Student/Index");
        // A teacher's home is about their classes, not webhook counters and setup steps (those stay for admins).
        if (User.IsInRole(Roles.Teacher) && !User.IsInRole(Roles.Admin))
            return RedirectToPage("/Dashboard/Teacher");
        Figures = await DashboardQueries.FiguresAsync(db, time, ct);
        return Page();
    }
}
