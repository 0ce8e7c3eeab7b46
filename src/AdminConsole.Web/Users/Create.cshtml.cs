using System.ComponentModel.DataAnnotations;
using AdminConsole.Web.Shared;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AdminConsole.Web.Users;

public class CreateModel(UserAdministration administration, UserManager<Data.AppUser> users) : PageModel
{
    [BindProperty]
    public InputModel Input { get; set; } = new();

    /// <summary>Read once by the Details page, like Identity UI's recovery codes.</summary>
    [TempData]
    public string? GeneratedPasswordOnce { get; set; }

    [TempData]
    public string? StatusMessage { get; set; }

    public sealed class InputModel
    {
        [Required, EmailAddress, StringLength(256)]
        public string Email { get; set; } = "";

        [Required, StringLength(100), Display(Name = "Display name")]
        public string DisplayName { get; set; } = "";

        public List<string> Roles { get; set; } = [];

        /// <summary>Empty: the console generates one and shows it once.</summary>
        [DataType(DataType.Password), Display(Name = "Initial password")]
        public string? Password { get; set; }
    }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (Input.Roles.Except(Shared.Roles.All).Any())
            ModelState.AddModelError("Input.Roles", "Choose roles from the list.");
        if (!ModelState.IsValid)
            return Page();

        var generated = string.IsNullOrEmpty(Input.Password);
        var password = generated ? GeneratedPassword.Create() : Input.Password!;
        var account = new NewAccount(Input.Email, Input.DisplayName, Input.Roles.Distinct().ToList(), password);
        var result = await administration.CreateAsync(User, account, ct);
        if (!result.Succeeded)
        {
            foreach (var error in result.Errors)
                ModelState.AddModelError(error.Code.StartsWith("Password", StringComparison.Ordinal) ? "Input.Password"
                    : error.Code is "DuplicateEmail" or "DuplicateUserName" or "InvalidEmail" or "InvalidUserName" ? "Input.Email"
                    : "", error.Description);
            Input.Password = null; // never echo a password back into the form
            return Page();
        }

        var user = await users.FindByEmailAsync(account.Email.Trim());
        if (generated)
            GeneratedPasswordOnce = password;
        StatusMessage = $"Created {account.Email.Trim()}.";
        return RedirectToPage("Details", new { id = user!.Id });
    }
}
