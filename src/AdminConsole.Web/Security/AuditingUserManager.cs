using System.Security.Claims;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.Security;

/// <summary>
/// Identity's user manager with every change a user makes to their own account written to the audit trail: the
/// account pages (Identity UI) call these methods, so auditing here covers each page, including ones added later.
/// The entry joins the change's own save, so the change and its entry commit together; a refused change leaves none.
/// Changes made to someone else's account (the Users pages, the create-admin command) are audited where they are
/// made (Users/UserAdministration.cs) and are not written twice. Passwords, tokens and codes are never written.
/// </summary>
public sealed class AuditingUserManager(
    IUserStore<AppUser> store,
    IOptions<IdentityOptions> optionsAccessor,
    IPasswordHasher<AppUser> passwordHasher,
    IEnumerable<IUserValidator<AppUser>> userValidators,
    IEnumerable<IPasswordValidator<AppUser>> passwordValidators,
    ILookupNormalizer keyNormalizer,
    IdentityErrorDescriber errors,
    IServiceProvider services,
    ILogger<UserManager<AppUser>> logger,
    IHttpContextAccessor http,
    AppDbContext db,
    AuditTrail audit)
    : UserManager<AppUser>(store, optionsAccessor, passwordHasher, userValidators, passwordValidators, keyNormalizer, errors, services, logger)
{
    /// <summary>
    /// Also lifts <see cref="PasswordChangeRequired"/>: the password is now the user's own. The entry says whether the
    /// change was the one required at the first sign-in.
    /// </summary>
    public override async Task<IdentityResult> ChangePasswordAsync(AppUser user, string currentPassword, string newPassword)
    {
        var required = (await GetClaimsAsync(user)).Where(c => c.Type == PasswordChangeRequired.ClaimType).ToList();
        return await AuditedAsync(user, AuditKinds.AccountPasswordChanged, required.Count > 0 ? new { required = true } : null, async () =>
        {
            var changed = await base.ChangePasswordAsync(user, currentPassword, newPassword);
            return changed.Succeeded && required.Count > 0 ? await RemoveClaimsAsync(user, required) : changed;
        });
    }

    public override Task<IdentityResult> AddPasswordAsync(AppUser user, string password) =>
        AuditedAsync(user, AuditKinds.AccountPasswordAdded, null, () => base.AddPasswordAsync(user, password));

    public override Task<IdentityResult> RemovePasswordAsync(AppUser user) =>
        AuditedAsync(user, AuditKinds.AccountPasswordRemoved, null, () => base.RemovePasswordAsync(user));

    public override Task<IdentityResult> SetEmailAsync(AppUser user, string? email) =>
        AuditedAsync(user, AuditKinds.AccountEmailChanged, new { before = user.Email, after = email }, () => base.SetEmailAsync(user, email));

    public override Task<IdentityResult> ChangeEmailAsync(AppUser user, string newEmail, string token) =>
        AuditedAsync(user, AuditKinds.AccountEmailChanged, new { before = user.Email, after = newEmail }, () => base.ChangeEmailAsync(user, newEmail, token));

    public override Task<IdentityResult> SetUserNameAsync(AppUser user, string? userName) =>
        AuditedAsync(user, AuditKinds.AccountUserNameChanged, new { before = user.UserName, after = userName }, () => base.SetUserNameAsync(user, userName));

    public override Task<IdentityResult> SetPhoneNumberAsync(AppUser user, string? phoneNumber) =>
        AuditedAsync(user, AuditKinds.AccountPhoneChanged, new { before = user.PhoneNumber, after = phoneNumber }, () => base.SetPhoneNumberAsync(user, phoneNumber));

    public override Task<IdentityResult> ChangePhoneNumberAsync(AppUser user, string phoneNumber, string token) =>
        AuditedAsync(user, AuditKinds.AccountPhoneChanged, new { before = user.PhoneNumber, after = phoneNumber }, () => base.ChangePhoneNumberAsync(user, phoneNumber, token));

    public override Task<IdentityResult> SetTwoFactorEnabledAsync(AppUser user, bool enabled) =>
        AuditedAsync(user, AuditKinds.AccountTwoFactorChanged, new { before = user.TwoFactorEnabled, after = enabled }, () => base.SetTwoFactorEnabledAsync(user, enabled));

    public override Task<IdentityResult> ResetAuthenticatorKeyAsync(AppUser user) =>
        AuditedAsync(user, AuditKinds.AccountAuthenticatorReset, null, () => base.ResetAuthenticatorKeyAsync(user));

    public override Task<IdentityResult> DeleteAsync(AppUser user) =>
        AuditedAsync(user, AuditKinds.AccountDeleted, new { email = user.Email }, () => base.DeleteAsync(user));

    public override async Task<IEnumerable<string>?> GenerateNewTwoFactorRecoveryCodesAsync(AppUser user, int number)
    {
        IEnumerable<string>? codes = null;
        await AuditedAsync(user, AuditKinds.AccountRecoveryCodesGenerated, new { count = number }, async () =>
        {
            codes = await base.GenerateNewTwoFactorRecoveryCodesAsync(user, number);
            return codes is null ? IdentityResult.Failed(ErrorDescriber.DefaultError()) : IdentityResult.Success;
        });
        return codes;
    }

    private async Task<IdentityResult> AuditedAsync(AppUser user, string kind, object? detail, Func<Task<IdentityResult>> change)
    {
        var context = http.HttpContext;
        if (context?.User.FindFirstValue(ClaimTypes.NameIdentifier) is not { } actorId || actorId != user.Id)
            return await change();

        var entry = audit.Add(db, kind, Actor.From(user), $"user:{user.Id}",
            new { ip = context.Connection.RemoteIpAddress?.ToString(), detail }, outcome: "success");
        IdentityResult result;
        try
        {
            result = await change();
        }
        catch
        {
            db.Entry(entry).State = EntityState.Detached;
            throw;
        }
        if (!result.Succeeded)
            db.Entry(entry).State = EntityState.Detached;
        else if (db.Entry(entry).State == EntityState.Added)
            await db.SaveChangesAsync(CancellationToken); // the change saved nothing (already as asked): the request still stands
        return result;
    }
}
