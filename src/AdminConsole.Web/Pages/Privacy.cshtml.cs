using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AdminConsole.Web.Pages;

public class PrivacyModel : PageModel
{
    public void OnGet()
    {
    }
}

