using AdminConsole.Web.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AdminConsole.Web.Security;

/// <summary>
/// Identity/Account/Manage (Profile): what the console knows about the signed-in user. Identity UI's page offered a
/// phone number the console never uses; name, email and roles are set by administrators, so they are shown, not edited.
/// </summary>
public sealed class OwnProfileModel(UserManager<AppUser> users) : PageModel
{
    public AppUser Account { get; private set; } = null!;

    public IList<string> Roles { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync()
    {
        if (await users.GetUserAsync(User) is not { } user)
            return NotFound();
        Account = user;
        Roles = await users.GetRolesAsync(user);
        return Page();
    }

    /// <summary>Nothing here is edited (Identity UI's page posted a phone number).</summary>
    public IActionResult OnPost() => StatusCode(StatusCodes.Status405MethodNotAllowed);
}
