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

    private static string EmailTaken(string email) =>
        $"There is already an account for {email.Trim()}. Find it in the Users list, or use another address.";

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (Input.Roles.Except(Shared.Roles.All).Any())
            ModelState.AddModelError("Input.Roles", "Choose roles from the list.");
        else if (Input.Roles.Count == 0)
            ModelState.AddModelError("Input.Roles", UserAdministration.RoleRequired);
        // The address and the password are checked with the other fields, so everything wrong is reported on the first
        // submit (Identity checks the password, then the user, and stops at the first that fails).
        if (ModelState.GetFieldValidationState("Input.Email") != Microsoft.AspNetCore.Mvc.ModelBinding.ModelValidationState.Invalid
            && await users.FindByEmailAsync(Input.Email.Trim()) is not null)
            ModelState.AddModelError("Input.Email", EmailTaken(Input.Email));
        if (!string.IsNullOrEmpty(Input.Password))
            foreach (var validator in users.PasswordValidators)
                foreach (var error in (await validator.ValidateAsync(users, new Data.AppUser(), Input.Password)).Errors)
                    ModelState.AddModelError("Input.Password", error.Description);
        if (!ModelState.IsValid)
        {
            Input.Password = null; // never echo a password back into the form
            return Page();
        }

        var generated = string.IsNullOrEmpty(Input.Password);
        var password = generated ? GeneratedPassword.Create() : Input.Password!;
        var account = new NewAccount(Input.Email, Input.DisplayName, Input.Roles.Distinct().ToList(), password);
        var result = await administration.CreateAsync(User, account, ct);
        if (!result.Succeeded)
        {
            // The user name is the email, so a taken address fails twice (DuplicateUserName, DuplicateEmail): say it once.
            if (result.Errors.Any(e => e.Code is "DuplicateEmail" or "DuplicateUserName"))
                ModelState.AddModelError("Input.Email", EmailTaken(Input.Email));
            foreach (var error in result.Errors.Where(e => e.Code is not ("DuplicateEmail" or "DuplicateUserName")))
                ModelState.AddModelError(error.Code.StartsWith("Password", StringComparison.Ordinal) ? "Input.Password"
                    : error.Code is "InvalidEmail" or "InvalidUserName" ? "Input.Email"
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
