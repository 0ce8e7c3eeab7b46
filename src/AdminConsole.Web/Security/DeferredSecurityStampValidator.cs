using AdminConsole.Web.Memberships;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.Security;

/// <summary>
/// Identity resolves <see cref="ISecurityStampValidator"/> from the request's services on every cookie-authenticated
/// request, and its <see cref="SecurityStampValidator{TUser}"/> drags in SignInManager, UserManager, the user store and
/// an <see cref="Data.AppDbContext"/>: about a fifth of the server's CPU for <c>/pusher/auth</c>, spent on a check that is
/// due once per <see cref="SecurityStampValidatorOptions.ValidationInterval"/> per cookie. So this asks Identity's own
/// question first ("has the interval passed since the ticket was issued?", same clock and options).
/// When a check is due, the stamp is compared with the one in <see cref="MembershipCache"/>'s snapshot, which reloads
/// whenever a user row is saved and is never older than its time-to-live (the same minute as the validation interval).
/// Equal: the session stands, with no database round trip; this is what keeps a bell, when a thousand students who
/// signed in before class open their pages at once, from costing a thousand sets of Identity queries (measured: about
/// a second for the burst). Different or unknown user: Identity's validator runs and refuses or refreshes, as before.
/// Roles travel in the cookie, and every role change and lock renews the stamp (Users/UserAdministration.cs), so an
/// equal stamp also means the cookie's roles are current.
/// </summary>
public sealed class DeferredSecurityStampValidator(
    IOptions<SecurityStampValidatorOptions> options,
    IOptions<IdentityOptions> identity,
    MembershipCache memberships) : ISecurityStampValidator
{
    public async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var o = options.Value;
        if (context.Properties.IssuedUtc is { } issued && (o.TimeProvider ?? TimeProvider.System).GetUtcNow() - issued <= o.ValidationInterval)
            return;

        var claims = identity.Value.ClaimsIdentity;
        var userId = context.Principal?.FindFirst(claims.UserIdClaimType)?.Value;
        var stamp = context.Principal?.FindFirst(claims.SecurityStampClaimType)?.Value;
        if (userId is not null && !string.IsNullOrEmpty(stamp))
        {
            var snapshot = await memberships.GetAsync(context.HttpContext.RequestAborted);
            if (snapshot.Find(userId)?.SecurityStamp is { } current && string.Equals(current, stamp, StringComparison.Ordinal))
                return;
        }
        await context.HttpContext.RequestServices.GetRequiredService<SecurityStampValidator<Data.AppUser>>().ValidateAsync(context);
    }
}
