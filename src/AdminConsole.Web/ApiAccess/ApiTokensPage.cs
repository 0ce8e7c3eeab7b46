using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Shared;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AdminConsole.Web.ApiAccess;

/// <summary>
/// The account page's "API tokens" tab (<c>/Identity/Account/Manage/ApiTokens</c>): an admin or teacher creates,
/// lists and revokes their own tokens; admins also revoke other people's from the user details page, which posts
/// here. A new token is shown in the answer to the post that created it, never stored for a later page.
/// </summary>
[Authorize(Policy = Policies.Compose)]
public class ApiTokensModel(ApiTokens tokens, UserManager<AppUser> users, TimeProvider time) : PageModel
{
    [TempData]
    public string? StatusMessage { get; set; }

    [BindProperty, Required(ErrorMessage = "Give the token a name."), StringLength(ApiTokens.MaxNameLength)]
    public string? Name { get; set; }

    [BindProperty, Range(1, ApiTokens.MaxExpiresDays, ErrorMessage = "Expiry: 1 to 3650 days, or empty for never.")]
    public int? ExpiresDays { get; set; } = 90;

    public IReadOnlyList<ApiToken> Tokens { get; private set; } = [];

    public ApiTokenList List => new(Tokens, PagePath, time.GetUtcNow().UtcDateTime);

    private const string PagePath = "/Identity/Account/Manage/ApiTokens";

    /// <summary>The token just created; only in the response to its creation.</summary>
    public CreatedToken? Created { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => Tokens = await tokens.ListAsync(UserId, ct);

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken ct)
    {
        if (ModelState.IsValid)
        {
            var owner = await users.GetUserAsync(User);
            if (owner is null) return Challenge();
            var (created, error) = await tokens.CreateAsync(Actor.From(User), owner, Name, ExpiresDays, ct);
            if (created is null)
                ModelState.AddModelError(nameof(Name), error!);
            else
            {
                Created = created;
                Name = null;
                ModelState.Clear();
                // The one answer that holds the token must not be kept by the browser or a proxy.
                Response.Headers.CacheControl = "no-cache, no-store";
                Response.Headers.Pragma = "no-cache";
            }
        }
        Tokens = await tokens.ListAsync(UserId, ct);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(int id, string? returnUrl, CancellationToken ct)
    {
        var refusal = await tokens.RevokeAsync(User, id, ct);
        StatusMessage = refusal is null ? "The token is revoked; requests with it are refused from now on." : "Error: " + refusal;
        return Url.IsLocalUrl(returnUrl) ? LocalRedirect(returnUrl) : RedirectToPage();
    }

    private string UserId => User.FindFirstValue(ClaimTypes.NameIdentifier)!;
}

/// <summary>
/// A user's tokens with revoke buttons, for the account page and for an admin on the user details page
/// (invoked there by name, <c>Component.InvokeAsync("ApiTokenList", …)</c>, so Users does not depend on this feature).
/// </summary>
public sealed class ApiTokenListViewComponent(ApiTokens tokens, TimeProvider time) : ViewComponent
{
    public const string ViewPath = "~/ApiAccess/_ApiTokenList.cshtml";

    public async Task<IViewComponentResult> InvokeAsync(string userId, string returnUrl)
    {
        // Admins only, on other people's pages; the owner sees them on their account page.
        if (!ApiTokens.MayManage(UserClaimsPrincipal, userId))
            return Content("");
        return View(ViewPath, new ApiTokenList(await tokens.ListAsync(userId, HttpContext.RequestAborted), returnUrl, time.GetUtcNow().UtcDateTime));
    }
}

public sealed record ApiTokenList(IReadOnlyList<ApiToken> Tokens, string ReturnUrl, DateTime NowUtc);
