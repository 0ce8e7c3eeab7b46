using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.Security;

/// <summary>
/// Identity/Account/Lockout, where the sign-in page sends a locked account. It says how long the lock lasts and
/// whom to ask: the sign-in that was refused leaves its end in TempData (see <see cref="AuditingSignInManager"/>);
/// opened any other way, the page states the rule.
/// </summary>
[AllowAnonymous]
public sealed class LockoutModel(IOptions<IdentityOptions> identity) : PageModel
{
    public const string LockedUntilKey = "LockedUntil";

    /// <summary>An administrator's lock ends at DateTimeOffset.MaxValue (Users/UserAdministration.LockAsync).</summary>
    public bool LockedByAdministrator { get; private set; }

    public DateTimeOffset? LockedUntil { get; private set; }

    public int MaxFailedAttempts => identity.Value.Lockout.MaxFailedAccessAttempts;

    public int LockoutMinutes => (int)identity.Value.Lockout.DefaultLockoutTimeSpan.TotalMinutes;

    public void OnGet()
    {
        // TempData keeps DateTime (UTC), not DateTimeOffset.
        if (TempData[LockedUntilKey] is not DateTime until)
            return;
        if (until.Year >= 9999)
            LockedByAdministrator = true;
        else
            LockedUntil = new DateTimeOffset(DateTime.SpecifyKind(until, DateTimeKind.Utc));
    }
}
