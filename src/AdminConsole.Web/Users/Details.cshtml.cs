using AdminConsole.Web.Classes;
using AdminConsole.Web.Data;
using AdminConsole.Web.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Users;

public class DetailsModel(UserAdministration administration, UserManager<AppUser> users, AppDbContext db, TimeProvider time, SessionStore sessions) : PageModel
{
    [TempData]
    public string? StatusMessage { get; set; }

    [TempData]
    public string? GeneratedPasswordOnce { get; set; }

    [BindProperty]
    public List<string> SelectedRoles { get; set; } = [];

    public AppUser Account { get; private set; } = null!;
    public IList<string> CurrentRoles { get; private set; } = [];
    public bool IsSelf { get; private set; }
    public DateTimeOffset? LockedUntil { get; private set; }

    /// <summary>
    /// Locked by failed sign-ins (not by an administrator): Identity then resets the count to 0, so the page says
    /// how many failures locked it instead of "0".
    /// </summary>
    public bool LockedOutByFailures => LockedUntil is { } until && until != DateTimeOffset.MaxValue && Account.AccessFailedCount == 0;

    public int MaxFailedSignIns => users.Options.Lockout.MaxFailedAccessAttempts;
    public IReadOnlyList<(int Id, string Name, ClassRole Role, bool Archived)> Classes { get; private set; } = [];
    public IReadOnlyList<UserSession> Sessions { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct)) return NotFound();
        if (GeneratedPasswordOnce is not null)
        {
            // The one page that shows a password must not be cached. (Antiforgery would set the same for the page's
            // forms; saying it here keeps it true should the forms go, and matching its values avoids its warning.)
            Response.Headers.CacheControl = "no-cache, no-store";
            Response.Headers.Pragma = "no-cache";
        }
        return Page();
    }

    public Task<IActionResult> OnPostRolesAsync(string id, CancellationToken ct) =>
        ChangeAsync(id, u => administration.SetRolesAsync(User, u, SelectedRoles.Distinct().ToList(), ct), u => $"Roles of {u.Email} saved.", ct);

    public Task<IActionResult> OnPostLockAsync(string id, CancellationToken ct) =>
        ChangeAsync(id, u => administration.LockAsync(User, u, ct), u => $"{u.Email} is locked; their sessions have ended.", ct);

    public Task<IActionResult> OnPostUnlockAsync(string id, CancellationToken ct) =>
        ChangeAsync(id, u => administration.UnlockAsync(User, u, ct), u => $"{u.Email} is unlocked.", ct);

    public Task<IActionResult> OnPostResetPasswordAsync(string id, CancellationToken ct)
    {
        var password = GeneratedPassword.Create();
        return ChangeAsync(id, async u =>
        {
            var result = await administration.ResetPasswordAsync(User, u, password, ct);
            if (result.Succeeded) GeneratedPasswordOnce = password;
            return result;
        }, u => $"New password set for {u.Email}.", ct);
    }

    public Task<IActionResult> OnPostEndSessionAsync(string id, string session, CancellationToken ct) =>
        ChangeAsync(id, u => administration.EndSessionsAsync(User, u, session ?? "", ct), u => $"The session of {u.Email} has ended.", ct);

    public Task<IActionResult> OnPostEndAllSessionsAsync(string id, CancellationToken ct) =>
        ChangeAsync(id, u => administration.EndSessionsAsync(User, u, null, ct), u => $"Every session of {u.Email} has ended.", ct);

    private async Task<IActionResult> ChangeAsync(string id, Func<AppUser, Task<IdentityResult>> change, Func<AppUser, string> done, CancellationToken ct)
    {
        var user = await users.FindByIdAsync(id);
        if (user is null) return NotFound();
        var result = await change(user);
        StatusMessage = result.Succeeded ? done(user) : "Error: " + string.Join(" ", result.Errors.Select(e => e.Description));
        return RedirectToPage(new { id });
    }

    private async Task<bool> LoadAsync(string id, CancellationToken ct)
    {
        var user = await users.FindByIdAsync(id);
        if (user is null) return false;
        Account = user;
        CurrentRoles = await users.GetRolesAsync(user);
        IsSelf = UserAdministration.IsSelf(User, user);
        LockedUntil = user.LockoutEnd > time.GetUtcNow() ? user.LockoutEnd : null;
        Classes = (await db.ClassMemberships.AsNoTracking().Where(m => m.UserId == id)
                .Select(m => new { m.ClassId, m.Class!.Name, m.Role, m.Class.Archived }).ToListAsync(ct))
            .Select(m => (m.ClassId, m.Name, m.Role, m.Archived)).OrderBy(m => m.Name).ToList();
        Sessions = await sessions.ListAsync(id, ct);
        return true;
    }
}
