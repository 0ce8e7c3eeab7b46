using System.Security.Claims;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AdminConsole.Web.Security;

/// <summary>The signed-in user's own sessions (Identity/Account/Manage/Sessions) and "sign out everywhere".</summary>
public sealed class OwnSessionsModel(SessionStore sessions, AppDbContext db, AuditTrail audit) : PageModel
{
    [TempData]
    public string? StatusMessage { get; set; }

    public IReadOnlyList<UserSession> Sessions { get; private set; } = [];

    /// <summary>The session of this request.</summary>
    public string? Current => User.FindFirstValue(SessionStore.SessionClaim);

    public async Task OnGetAsync(CancellationToken ct) =>
        Sessions = await sessions.ListAsync(User.FindFirstValue(ClaimTypes.NameIdentifier)!, ct);

    public async Task<IActionResult> OnPostSignOutEverywhereAsync(CancellationToken ct)
    {
        var actor = Actor.From(User);
        var ended = await sessions.EndAllAsync(actor.Id!, ct);
        audit.Add(db, AuditKinds.UserSessionsEnded, actor, $"user:{actor.Id}", new { ended, session = "all", self = true }, outcome: "success");
        await db.SaveChangesAsync(ct);
        // This request's session is gone too; the cookie that named it goes with it.
        await HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
        return Redirect("/Identity/Account/Login");
    }
}
