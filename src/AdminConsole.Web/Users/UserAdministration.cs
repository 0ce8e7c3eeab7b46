using System.Security.Claims;
using AdminConsole.Web.Classes;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Security;
using AdminConsole.Web.Shared;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Users;

/// <summary>
/// The changes an administrator makes to accounts. Each one runs in a database transaction together with its
/// audit entry (before/after as JSON), so an account change without its entry, or the reverse, cannot exist:
/// UserManager saves on every call, and those saves join the transaction opened here.
/// </summary>
public sealed class UserAdministration(AppDbContext db, UserManager<AppUser> users, AuditTrail audit, TimeProvider time, SessionStore sessions)
{
    /// <summary>Why every account has a role: without one a user signs in to a console that shows them nothing.</summary>
    public const string RoleRequired = "Choose at least one role: a user without one can sign in but sees only their own account page. To keep someone out, lock the account.";

    public async Task<IdentityResult> CreateAsync(ClaimsPrincipal actor, NewAccount account, CancellationToken ct = default)
    {
        var unknown = account.Roles.Except(Roles.All).ToList();
        if (unknown.Count > 0)
            return Refuse($"Unknown role: {string.Join(", ", unknown)}.");
        if (account.Roles.Count == 0)
            return Refuse(RoleRequired);

        var user = new AppUser
        {
            UserName = account.Email.Trim(),
            Email = account.Email.Trim(),
            EmailConfirmed = true, // the administrator vouches for the address; there is no email loop
            DisplayName = account.DisplayName.Trim(),
            CreatedUtc = time.GetUtcNow().UtcDateTime,
        };
        return await InTransactionAsync(async () =>
        {
            var created = await users.CreateAsync(user, account.Password);
            if (!created.Succeeded) return created;
            if (account.Roles.Count > 0)
            {
                var roles = await users.AddToRolesAsync(user, account.Roles);
                if (!roles.Succeeded) return roles;
            }
            if (account.MustChangePassword && await users.AddClaimAsync(user, PasswordChangeRequired.Claim()) is { Succeeded: false } marked) return marked;
            audit.Add(db, AuditKinds.UserCreated, Actor.From(actor), Target(user),
                new { before = (UserSnapshot?)null, after = await SnapshotAsync(user), passwordChangeRequired = account.MustChangePassword }, outcome: "success");
            return IdentityResult.Success;
        }, ct);
    }

    /// <summary>Makes the user's roles exactly <paramref name="wanted"/>; one audit entry per role added or removed.</summary>
    public async Task<IdentityResult> SetRolesAsync(ClaimsPrincipal actor, AppUser user, IReadOnlyCollection<string> wanted, CancellationToken ct = default)
    {
        var unknown = wanted.Except(Roles.All).ToList();
        if (unknown.Count > 0)
            return Refuse($"Unknown role: {string.Join(", ", unknown)}.");
        if (wanted.Count == 0)
            return Refuse(RoleRequired);

        var current = await users.GetRolesAsync(user);
        var adding = wanted.Except(current).ToList();
        var removing = current.Except(wanted).ToList();
        if (IsSelf(actor, user) && removing.Contains(Roles.Admin))
            return Refuse("You cannot remove your own Admin role. Another administrator can.");
        if (adding.Count == 0 && removing.Count == 0)
            return IdentityResult.Success;

        return await EndingSessionsAsync(user, InTransactionAsync(async () =>
        {
            var before = await SnapshotAsync(user);
            if (removing.Count > 0 && await users.RemoveFromRolesAsync(user, removing) is { Succeeded: false } removed) return removed;
            if (adding.Count > 0 && await users.AddToRolesAsync(user, adding) is { Succeeded: false } added) return added;
            // Sessions carry roles as claims; a new stamp makes the cookie re-validate and pick the change up.
            await users.UpdateSecurityStampAsync(user);
            var after = await SnapshotAsync(user);
            foreach (var role in removing)
                audit.Add(db, AuditKinds.UserRoleRemoved, Actor.From(actor), Target(user), new { role, before, after }, outcome: "success");
            foreach (var role in adding)
                audit.Add(db, AuditKinds.UserRoleAdded, Actor.From(actor), Target(user), new { role, before, after }, outcome: "success");
            return IdentityResult.Success;
        }, ct), ct);
    }

    /// <summary>Locks the account until an administrator unlocks it, and ends its sessions.</summary>
    public async Task<IdentityResult> LockAsync(ClaimsPrincipal actor, AppUser user, CancellationToken ct = default)
    {
        if (IsSelf(actor, user))
            return Refuse("You cannot lock your own account.");
        return await EndingSessionsAsync(user, InTransactionAsync(async () =>
        {
            var before = await SnapshotAsync(user);
            if (await users.SetLockoutEnabledAsync(user, true) is { Succeeded: false } enabled) return enabled;
            if (await users.SetLockoutEndDateAsync(user, DateTimeOffset.MaxValue) is { Succeeded: false } locked) return locked;
            await users.UpdateSecurityStampAsync(user);
            audit.Add(db, AuditKinds.UserLocked, Actor.From(actor), Target(user), new { before, after = await SnapshotAsync(user) }, outcome: "success");
            return IdentityResult.Success;
        }, ct), ct);
    }

    public async Task<IdentityResult> UnlockAsync(ClaimsPrincipal actor, AppUser user, CancellationToken ct = default) =>
        await InTransactionAsync(async () =>
        {
            var before = await SnapshotAsync(user);
            if (await users.SetLockoutEndDateAsync(user, null) is { Succeeded: false } unlocked) return unlocked;
            if (await users.ResetAccessFailedCountAsync(user) is { Succeeded: false } reset) return reset;
            audit.Add(db, AuditKinds.UserUnlocked, Actor.From(actor), Target(user), new { before, after = await SnapshotAsync(user) }, outcome: "success");
            return IdentityResult.Success;
        }, ct);

    /// <summary>
    /// Replaces the password (the new one is never written to the audit trail), requires the user to change it at
    /// their next sign-in, and ends the user's sessions.
    /// </summary>
    public async Task<IdentityResult> ResetPasswordAsync(ClaimsPrincipal actor, AppUser user, string newPassword, CancellationToken ct = default) =>
        await EndingSessionsAsync(user, InTransactionAsync(async () =>
        {
            var token = await users.GeneratePasswordResetTokenAsync(user);
            if (await users.ResetPasswordAsync(user, token, newPassword) is { Succeeded: false } reset) return reset;
            if (!(await users.GetClaimsAsync(user)).Any(c => c.Type == PasswordChangeRequired.ClaimType)
                && await users.AddClaimAsync(user, PasswordChangeRequired.Claim()) is { Succeeded: false } marked) return marked;
            audit.Add(db, AuditKinds.UserPasswordReset, Actor.From(actor), Target(user), new { user = await SnapshotAsync(user), passwordChangeRequired = true }, outcome: "success");
            return IdentityResult.Success;
        }, ct), ct);

    /// <summary>Deletes the account; its class memberships go with it (cascade). Audit entries keep its id and email.</summary>
    public async Task<IdentityResult> DeleteAsync(ClaimsPrincipal actor, AppUser user, CancellationToken ct = default)
    {
        if (IsSelf(actor, user))
            return Refuse("You cannot delete your own account.");
        return await EndingSessionsAsync(user, InTransactionAsync(async () =>
        {
            var before = await SnapshotAsync(user);
            var classes = await db.ClassMemberships.Where(m => m.UserId == user.Id)
                .Select(m => new { m.ClassId, Role = m.Role.ToString() }).ToListAsync(ct);
            if (await users.DeleteAsync(user) is { Succeeded: false } deleted) return deleted;
            audit.Add(db, AuditKinds.UserDeleted, Actor.From(actor), Target(user), new { before, after = (UserSnapshot?)null, classes }, outcome: "success");
            return IdentityResult.Success;
        }, ct), ct);
    }

    /// <summary>Ends one of the user's sessions (by its <see cref="UserSession.Handle"/>) or all of them (null), now.</summary>
    public async Task<IdentityResult> EndSessionsAsync(ClaimsPrincipal actor, AppUser user, string? handle, CancellationToken ct = default)
    {
        int ended;
        if (handle is null)
            ended = await sessions.EndAllAsync(user.Id, ct);
        else
            ended = await sessions.EndAsync(user.Id, handle, ct) ? 1 : 0;
        if (ended == 0)
            return Refuse(handle is null ? "There was no open session." : "That session has already ended.");
        audit.Add(db, AuditKinds.UserSessionsEnded, Actor.From(actor), Target(user),
            new { ended, session = handle ?? "all" }, outcome: "success");
        await db.SaveChangesAsync(ct);
        return IdentityResult.Success;
    }

    public static bool IsSelf(ClaimsPrincipal actor, AppUser user) =>
        actor.FindFirstValue(ClaimTypes.NameIdentifier) == user.Id;

    public static string Target(AppUser user) => $"user:{user.Id}";

    private async Task<UserSnapshot> SnapshotAsync(AppUser user) => new(
        user.Id, user.Email, user.DisplayName,
        [.. (await users.GetRolesAsync(user)).Order(StringComparer.Ordinal)],
        user.LockoutEnd is { } end && end > time.GetUtcNow() ? end.UtcDateTime : null);

    /// <summary>
    /// Ends the user's sessions once the change has committed (outside its transaction: the session table is written
    /// from its own connection). Should that fail, the renewed security stamp still ends them within a minute.
    /// </summary>
    private async Task<IdentityResult> EndingSessionsAsync(AppUser user, Task<IdentityResult> change, CancellationToken ct)
    {
        var result = await change;
        if (result.Succeeded)
            await sessions.EndAllAsync(user.Id, ct);
        return result;
    }

    private async Task<IdentityResult> InTransactionAsync(Func<Task<IdentityResult>> change, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var result = await change();
        if (!result.Succeeded)
        {
            await transaction.RollbackAsync(ct);
            return result;
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return result;
    }

    private static IdentityResult Refuse(string message) =>
        IdentityResult.Failed(new IdentityError { Code = "Refused", Description = message });
}

/// <summary>
/// What an administrator fills in to create an account. <paramref name="MustChangePassword"/>: the password was
/// set by someone other than its user, who must replace it at the first sign-in.
/// </summary>
public sealed record NewAccount(string Email, string DisplayName, IReadOnlyCollection<string> Roles, string Password, bool MustChangePassword = true);

/// <summary>The audited state of an account: never the password hash or security stamp.</summary>
public sealed record UserSnapshot(string Id, string? Email, string DisplayName, IReadOnlyList<string> Roles, DateTime? LockedUntilUtc);
