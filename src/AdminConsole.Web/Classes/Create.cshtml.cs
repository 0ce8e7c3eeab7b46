using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AdminConsole.Web.Classes;

public class CreateModel(ClassAdministration administration) : PageModel
{
    [BindProperty]
    public InputModel Input { get; set; } = new();

    [TempData]
    public string? StatusMessage { get; set; }

    public sealed class InputModel
    {
        [Required, StringLength(100, MinimumLength = 1)]
        public string Name { get; set; } = "";
    }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (!ModelState.IsValid) return Page();
        var result = await administration.CreateAsync(User, Input.Name, ct);
        if (!result.Succeeded)
        {
            ModelState.AddModelError("Input.Name", result.Error!);
            return Page();
        }
        StatusMessage = $"Created {result.Class!.Name}. Assign its teachers and enrol its students below.";
        return RedirectToPage("Details", new { id = result.Class.Id });
    }
}
