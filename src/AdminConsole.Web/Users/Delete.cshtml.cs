using AdminConsole.Web.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AdminConsole.Web.Users;

public class DeleteModel(UserAdministration administration, UserManager<AppUser> users) : PageModel
{
    [TempData]
    public string? StatusMessage { get; set; }

    public AppUser Account { get; private set; } = null!;
    public bool IsSelf { get; private set; }

    public async Task<IActionResult> OnGetAsync(string id)
    {
        if (await users.FindByIdAsync(id) is not { } user) return NotFound();
        Account = user;
        IsSelf = UserAdministration.IsSelf(User, user);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string id, CancellationToken ct)
    {
        if (await users.FindByIdAsync(id) is not { } user) return NotFound();
        var result = await administration.DeleteAsync(User, user, ct);
        if (!result.Succeeded)
        {
            StatusMessage = "Error: " + string.Join(" ", result.Errors.Select(e => e.Description));
            return RedirectToPage("Details", new { id });
        }
        StatusMessage = $"Deleted {user.Email}.";
        return RedirectToPage("Index");
    }
}
