using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AdminConsole.Web.Security;

/// <summary>Stands in for Identity UI's registration pages: accounts are created by administrators only.</summary>
[AllowAnonymous]
[IgnoreAntiforgeryToken]
public class RegistrationClosedModel : PageModel
{
    public IActionResult OnGet() => NotFound();
    public IActionResult OnPost() => NotFound();
}
