using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AdminConsole.Web.Security;

/// <summary>
/// Stands in for the Identity UI pages that would let people create or delete their own accounts: administrators
/// create and delete accounts (audited), so those pages answer 404.
/// </summary>
[AllowAnonymous]
[IgnoreAntiforgeryToken]
public class RegistrationClosedModel : PageModel
{
    public IActionResult OnGet() => NotFound();
    public IActionResult OnPost() => NotFound();
}
