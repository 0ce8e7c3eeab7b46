using AdminConsole.Web.EventLog;
using AdminConsole.Web.Shared;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AdminConsole.Web.Occupancy;

/// <summary>"Reconcile now" (Admin only; the Channels folder itself is also open to auditors).</summary>
[Authorize(Policy = Policies.Admin)]
public class ReconcileModel(OccupancyReconciler reconciler) : PageModel
{
    [TempData]
    public string? StatusMessage { get; set; }

    public IActionResult OnGet() => RedirectToPage("/Occupancy/Channels");

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var result = await reconciler.RunAsync(Actor.From(User), ct);
        StatusMessage = result.Succeeded ? result.Message : "Reconcile not possible: " + result.Message;
        return RedirectToPage("/Occupancy/Channels");
    }
}
