using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.Security;

/// <summary>
/// Identity resolves <see cref="ISecurityStampValidator"/> from the request's services on every cookie-authenticated
/// request, and its <see cref="SecurityStampValidator{TUser}"/> drags in SignInManager, UserManager, the user store and
/// an <see cref="Data.AppDbContext"/> (whose options EF builds afresh for each scope): about a fifth of the server's CPU
/// for <c>/pusher/auth</c>, spent on a check that is due once per <see cref="SecurityStampValidatorOptions.ValidationInterval"/>
/// per cookie. This asks Identity's own question first ("has the interval passed since the ticket was issued?", with
/// the same clock and options) and only then builds Identity's validator, which asks it again and does the work.
/// </summary>
public sealed class DeferredSecurityStampValidator(IOptions<SecurityStampValidatorOptions> options) : ISecurityStampValidator
{
    public Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var o = options.Value;
        if (context.Properties.IssuedUtc is { } issued && (o.TimeProvider ?? TimeProvider.System).GetUtcNow() - issued <= o.ValidationInterval)
            return Task.CompletedTask;
        return context.HttpContext.RequestServices.GetRequiredService<SecurityStampValidator<Data.AppUser>>().ValidateAsync(context);
    }
}
