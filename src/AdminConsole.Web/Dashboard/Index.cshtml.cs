using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using AdminConsole.Web.Security;

namespace AdminConsole.Web.Dashboard;

public class IndexModel : PageModel
{
    public IActionResult OnGet()
    {
        // Students have no console; their home is their classes page.
        if (User.IsInRole(Roles.Student) && !User.IsInRole(Roles.Admin))
            return RedirectToPage("/Student/Index");
        return Page();
    }
}
