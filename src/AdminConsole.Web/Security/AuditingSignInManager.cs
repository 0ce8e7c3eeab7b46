using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.Security;

/// <summary>
/// Identity's sign-in with every password sign-in, failure, lockout and sign-out written to the audit trail.
/// The attempted email and the client address are recorded; the password never is.
/// </summary>
public sealed class AuditingSignInManager(
    UserManager<AppUser> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<AppUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<AppUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<AppUser> confirmation,
    AppDbContext db,
    AuditTrail audit,
    ITempDataDictionaryFactory tempData)
    : SignInManager<AppUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    public override async Task<SignInResult> PasswordSignInAsync(string userName, string password, bool isPersistent, bool lockoutOnFailure)
    {
        var user = await UserManager.FindByNameAsync(userName);
        if (user is null)
        {
            // Unknown account: nothing to lock, but an auditor wants to see guessing. Every account name is an email;
            // anything else is more likely a password typed into the wrong field, so it is not written down.
            var attempted = userName.Contains('@') ? Truncate(userName.Trim()) : "(not an email address)";
            // The same work a wrong password costs (one verification by the same hasher), so the answer's timing does
            // not tell which accounts exist.
            UserManager.PasswordHasher.VerifyHashedPassword(new AppUser(), DummyHash(UserManager.PasswordHasher), password);
            await RecordAsync(AuditKinds.SignInFailed, new Actor(null, attempted), target: null, "unknown-user");
            return SignInResult.Failed;
        }
        return await PasswordSignInAsync(user, password, isPersistent, lockoutOnFailure);
    }

    public override async Task<SignInResult> PasswordSignInAsync(AppUser user, string password, bool isPersistent, bool lockoutOnFailure)
    {
        var wasLockedOut = await UserManager.IsLockedOutAsync(user);
        var failedBefore = await UserManager.GetAccessFailedCountAsync(user);
        // Identity UI's login page passes lockoutOnFailure: false; the console's rule is lockout after 5 failures, always.
        var result = await base.PasswordSignInAsync(user, password, isPersistent, lockoutOnFailure: true);
        var (kind, outcome) = result switch
        {
            { Succeeded: true } => (AuditKinds.SignIn, "success"),
            { IsLockedOut: true } when wasLockedOut => (AuditKinds.LockedOut, "refused"), // already locked: refused without checking
            { IsLockedOut: true } => (AuditKinds.LockedOut, "locked"),                    // this failure locked the account
            { RequiresTwoFactor: true } => (AuditKinds.SignIn, "two-factor-required"),
            { IsNotAllowed: true } => (AuditKinds.SignInFailed, "not-allowed"),
            _ => (AuditKinds.SignInFailed, "bad-password"),
        };
        // Identity resets the failed count to 0 when a failure locks the account, so the count that locked it is the one
        // before this attempt plus this failure. A refused attempt while locked checks no password and counts nothing.
        int? failedCount = outcome switch
        {
            "locked" => failedBefore + 1,
            "refused" => null,
            _ => user.AccessFailedCount,
        };
        await RecordAsync(kind, Actor.From(user), $"user:{user.Id}", outcome, new { failedCount, lockedUntil = user.LockoutEnd?.UtcDateTime });
        if (result.IsLockedOut && user.LockoutEnd is { } end)
            // For the Lockout page Identity UI redirects to, which is told nothing else: until when, and whether
            // waiting helps (an administrator's lock has no end). TempData: read once, by that page.
            tempData.GetTempData(Context)[LockoutModel.LockedUntilKey] = end.UtcDateTime;
        return result;
    }

    public override async Task SignOutAsync()
    {
        var user = Context.User;
        await base.SignOutAsync();
        if (user.Identity?.IsAuthenticated == true)
        {
            var actor = Actor.From(user);
            await RecordAsync(AuditKinds.SignOut, actor, actor.Id is null ? null : $"user:{actor.Id}", "success");
        }
    }

    private async Task RecordAsync(string kind, Actor actor, string? target, string outcome, object? extra = null)
    {
        audit.Add(db, kind, actor, target, new { ip = Context.Connection.RemoteIpAddress?.ToString(), detail = extra }, outcome: outcome);
        await db.SaveChangesAsync(Context.RequestAborted);
    }

    private static string? _dummyHash;

    /// <summary>A hash of a random password, made once by the console's own hasher (same algorithm and iterations).</summary>
    private static string DummyHash(IPasswordHasher<AppUser> hasher) =>
        _dummyHash ??= hasher.HashPassword(new AppUser(), Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)));

    private static string Truncate(string s) => s.Length <= 256 ? s : s[..256];
}
