using System.Net;
using System.Security.Claims;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace AdminConsole.Web.Tests.Security;

/// <summary>Every change users make to their own account is in the event log, without the secrets involved.</summary>
public class SelfServiceAuditTests(ConsoleFactory factory) : IClassFixture<ConsoleFactory>
{
    [Fact]
    public async Task Changing_ones_password_on_the_account_page_is_audited_and_a_refused_change_is_not()
    {
        var user = await factory.CreateUserAsync("Teacher");
        var client = await factory.SignInAsync(user.Email!, "Throwaway-pw-123");

        var refused = await client.PostFormAsync("/Identity/Account/Manage/ChangePassword", new()
        {
            ["Input.OldPassword"] = "Not-the-password-1",
            ["Input.NewPassword"] = "Brand-new-pw-4567",
            ["Input.ConfirmPassword"] = "Brand-new-pw-4567",
        });
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode); // the form again, with its error
        Assert.Empty(await factory.AuditAsync(AuditKinds.AccountPasswordChanged, $"user:{user.Id}"));

        var changed = await client.PostFormAsync("/Identity/Account/Manage/ChangePassword", new()
        {
            ["Input.OldPassword"] = "Throwaway-pw-123",
            ["Input.NewPassword"] = "Brand-new-pw-4567",
            ["Input.ConfirmPassword"] = "Brand-new-pw-4567",
        });

        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
        var entry = Assert.Single(await factory.AuditAsync(AuditKinds.AccountPasswordChanged, $"user:{user.Id}"));
        Assert.Equal(user.Id, entry.ActorId);
        Assert.Equal("success", entry.Outcome);
        Assert.DoesNotContain("Brand-new-pw-4567", entry.Data ?? "");
        Assert.DoesNotContain("Throwaway-pw-123", entry.Data ?? "");
    }

    /// <summary>Each self-service change Identity offers, made as the user (what the account pages do), writes its kind.</summary>
    [Fact]
    public async Task Every_self_service_change_writes_its_own_kind_and_none_is_written_for_someone_elses_account()
    {
        var user = await factory.CreateUserAsync("Teacher");
        var other = await factory.CreateUserAsync("Teacher");
        var changes = new (string Kind, Func<UserManager<AppUser>, AppUser, Task> Change)[]
        {
            (AuditKinds.AccountPasswordChanged, (m, u) => m.ChangePasswordAsync(u, "Throwaway-pw-123", "Second-pw-98765")),
            (AuditKinds.AccountPasswordRemoved, (m, u) => m.RemovePasswordAsync(u)),
            (AuditKinds.AccountPasswordAdded, (m, u) => m.AddPasswordAsync(u, "Third-pw-246810")),
            (AuditKinds.AccountPhoneChanged, (m, u) => m.SetPhoneNumberAsync(u, "+1 555 0100")),
            (AuditKinds.AccountAuthenticatorReset, (m, u) => m.ResetAuthenticatorKeyAsync(u)),
            (AuditKinds.AccountTwoFactorChanged, (m, u) => m.SetTwoFactorEnabledAsync(u, true)),
            (AuditKinds.AccountRecoveryCodesGenerated, (m, u) => m.GenerateNewTwoFactorRecoveryCodesAsync(u, 10)),
            (AuditKinds.AccountEmailChanged, async (m, u) => await m.ChangeEmailAsync(u, "renamed-" + u.Email, await m.GenerateChangeEmailTokenAsync(u, "renamed-" + u.Email))),
            (AuditKinds.AccountUserNameChanged, (m, u) => m.SetUserNameAsync(u, u.Email)),
            (AuditKinds.AccountDeleted, (m, u) => m.DeleteAsync(u)),
        };

        foreach (var (kind, change) in changes)
        {
            await AsAsync(user.Id, async users => await change(users, (await users.FindByIdAsync(user.Id))!));
            var entry = Assert.Single(await factory.AuditAsync(kind, $"user:{user.Id}"));
            Assert.Equal(user.Id, entry.ActorId);
        }

        // The same change made by someone else (an administrator's page) is audited there, not here.
        await AsAsync(user.Id, async users => await users.SetPhoneNumberAsync((await users.FindByIdAsync(other.Id))!, "+1 555 0199"));
        Assert.Empty(await factory.AuditAsync(AuditKinds.AccountPhoneChanged, $"user:{other.Id}"));
    }

    /// <summary>Runs <paramref name="work"/> in a request scope whose signed-in user is <paramref name="userId"/>.</summary>
    private async Task AsAsync(string userId, Func<UserManager<AppUser>, Task> work)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var accessor = scope.ServiceProvider.GetRequiredService<IHttpContextAccessor>();
        accessor.HttpContext = new DefaultHttpContext
        {
            RequestServices = scope.ServiceProvider,
            User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, userId)], "test")),
        };
        try
        {
            await work(scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>());
        }
        finally
        {
            accessor.HttpContext = null;
        }
    }
}
