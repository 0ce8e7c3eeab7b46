using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;

namespace AdminConsole.Web.Security;

/// <summary>
/// A password an administrator set (typed on the Users page or generated there) has been seen by someone else, so it
/// must be replaced at the first sign-in: until the user chooses their own, every page sends them to the
/// change-password page and every other request is refused. The mark is an Identity user claim (AspNetUserClaims),
/// so it needs no column of its own and reaches the sign-in cookie through Identity's claims factory; the user
/// manager removes it when the user changes their password (audited as <c>account.password.changed</c> with <c>required: true</c>).
/// </summary>
public static class PasswordChangeRequired
{
    public const string ClaimType = "adminconsole:password-change-required";

    public const string PagePath = "/Identity/Account/Manage/ChangePassword";

    public static Claim Claim() => new(ClaimType, "true");

    public static bool IsRequired(ClaimsPrincipal user) => user.HasClaim(c => c.Type == ClaimType);

    /// <summary>After authentication and authorization, before the endpoint runs.</summary>
    public static void UsePasswordChangeRequired(this WebApplication app) => app.Use(async (context, next) =>
    {
        if (!IsRequired(context.User) || MayPass(context))
        {
            await next(context);
            return;
        }
        if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.Redirect(PagePath);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Password change required",
            detail: "Choose your own password first: " + PagePath).ExecuteAsync(context);
    });

    /// <summary>The change-password page itself, signing out, and what anyone may reach (sign-in, static files, errors, health).</summary>
    private static bool MayPass(HttpContext context)
    {
        var path = context.Request.Path;
        return path.Equals(PagePath, StringComparison.OrdinalIgnoreCase)
            || path.Equals("/Identity/Account/Logout", StringComparison.OrdinalIgnoreCase)
            || context.GetEndpoint()?.Metadata.GetMetadata<IAllowAnonymous>() is not null;
    }
}
