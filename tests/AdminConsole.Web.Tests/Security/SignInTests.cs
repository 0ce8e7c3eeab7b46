using System.Net;
using System.Text.Json;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Tests.Infrastructure;

namespace AdminConsole.Web.Tests.Security;

public class SignInTests(ConsoleFactory factory) : IClassFixture<ConsoleFactory>
{
    private static Dictionary<string, string> Login(string email, string password) => new()
    {
        ["Input.Email"] = email,
        ["Input.Password"] = password,
        ["Input.RememberMe"] = "false",
    };

    [Fact]
    public async Task Sign_in_with_the_right_password_reaches_the_console_and_is_audited()
    {
        var user = await factory.CreateUserAsync("Auditor");
        var client = factory.CreateBrowserLikeClient();

        var response = await client.PostFormAsync("/Identity/Account/Login", Login(user.Email!, "Throwaway-pw-123"));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/EventLog")).StatusCode);
        var entry = Assert.Single(await factory.AuditAsync(AuditKinds.SignIn, $"user:{user.Id}"));
        Assert.Equal(user.Id, entry.ActorId);
        Assert.Equal("success", entry.Outcome);
    }

    [Fact]
    public async Task Wrong_password_is_refused_and_audited_without_the_password()
    {
        var user = await factory.CreateUserAsync("Teacher");
        var client = factory.CreateBrowserLikeClient();

        var response = await client.PostFormAsync("/Identity/Account/Login", Login(user.Email!, "Wrong-guess-4711"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // the login page again, with its error
        Assert.Contains("Invalid login attempt", await response.Content.ReadAsStringAsync());
        var entry = Assert.Single(await factory.AuditAsync(AuditKinds.SignInFailed, $"user:{user.Id}"));
        Assert.Equal("bad-password", entry.Outcome);
        Assert.DoesNotContain("Wrong-guess-4711", entry.Data);
        Assert.Equal(1, JsonDocument.Parse(entry.Data!).RootElement.GetProperty("detail").GetProperty("failedCount").GetInt32());
    }

    [Fact]
    public async Task Unknown_account_sign_in_is_audited_with_the_attempted_email()
    {
        var client = factory.CreateBrowserLikeClient();
        await client.PostFormAsync("/Identity/Account/Login", Login("nobody-here@school.test", "Whatever-pw-123"));

        var entry = Assert.Single(await factory.AuditAsync(AuditKinds.SignInFailed), e => e.ActorName == "nobody-here@school.test");
        Assert.Equal("unknown-user", entry.Outcome);
        Assert.Null(entry.ActorId);
        Assert.DoesNotContain("Whatever-pw-123", entry.Data);
    }

    [Fact]
    public async Task A_password_typed_into_the_email_field_is_not_written_down()
    {
        var client = factory.CreateBrowserLikeClient();
        var response = await client.PostFormAsync("/Identity/Account/Login", Login("Secret-typed-here-42", "Whatever-pw-123"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // the form again, with its message
        var entries = await factory.QueryAsync(db => Task.FromResult(db.AuditEntries.Select(e => e.ActorName + e.Target + e.Data).ToList()));
        Assert.DoesNotContain(entries, e => e.Contains("Secret-typed-here-42"));
    }

    [Fact]
    public async Task Five_failures_lock_the_account_even_the_right_password_is_then_refused_and_the_lockout_is_audited()
    {
        var user = await factory.CreateUserAsync("Teacher");
        var client = factory.CreateBrowserLikeClient();

        for (var i = 0; i < 5; i++)
            await client.PostFormAsync("/Identity/Account/Login", Login(user.Email!, $"Wrong-guess-{i}00000"));
        var right = await client.PostFormAsync("/Identity/Account/Login", Login(user.Email!, "Throwaway-pw-123"));

        // Identity UI sends a locked-out user to its Lockout page instead of signing them in.
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        Assert.Equal("/Identity/Account/Lockout", right.Headers.Location!.OriginalString);
        Assert.Equal(4, (await factory.AuditAsync(AuditKinds.SignInFailed, $"user:{user.Id}")).Count);
        var lockouts = await factory.AuditAsync(AuditKinds.LockedOut, $"user:{user.Id}");
        Assert.Equal(["locked", "refused"], lockouts.Select(e => e.Outcome));
        Assert.Empty(await factory.AuditAsync(AuditKinds.SignIn, $"user:{user.Id}"));

        // The lockout records the failures that caused it (Identity has reset its counter to 0 by then); the refused
        // attempt checked no password and counts nothing.
        var locked = JsonDocument.Parse(lockouts[0].Data!).RootElement.GetProperty("detail");
        Assert.Equal(5, locked.GetProperty("failedCount").GetInt32());
        Assert.Equal(JsonValueKind.String, locked.GetProperty("lockedUntil").ValueKind);
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(lockouts[1].Data!).RootElement.GetProperty("detail").GetProperty("failedCount").ValueKind);

        // The user's page says the same while the lockout lasts, not "0".
        var admin = await factory.SignInAsync(DemoUser.Admin);
        var details = await admin.GetDocumentAsync($"/Users/Details/{user.Id}");
        Assert.StartsWith("5, which locked the account until ", details.QuerySelector("[data-testid=failed-signins]")!.TextContent.Trim());
    }

    [Fact]
    public async Task Sign_out_is_audited()
    {
        var user = await factory.CreateUserAsync("Auditor");
        var client = await factory.SignInAsync(user.Email!, "Throwaway-pw-123");

        var response = await client.PostFormAsync("/Identity/Account/Logout?returnUrl=%2F", [], formPageUrl: "/EventLog");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var entry = Assert.Single(await factory.AuditAsync(AuditKinds.SignOut, $"user:{user.Id}"));
        Assert.Equal(user.Id, entry.ActorId);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/EventLog")).StatusCode); // the cookie is gone
    }

    [Fact]
    public async Task Users_cannot_delete_their_own_account_only_an_administrator_can()
    {
        var user = await factory.CreateUserAsync("Student");
        var client = await factory.SignInAsync(user.Email!, "Throwaway-pw-123");

        var get = await client.GetAsync("/Identity/Account/Manage/DeletePersonalData");
        var post = await client.PostFormAsync("/Identity/Account/Manage/DeletePersonalData",
            new() { ["Input.Password"] = "Throwaway-pw-123" }, formPageUrl: "/Identity/Account/Manage");
        var personalData = await client.GetDocumentAsync("/Identity/Account/Manage/PersonalData");

        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
        Assert.Equal(1, await factory.QueryAsync(db => Task.FromResult(db.Users.Count(u => u.Id == user.Id))));
        Assert.Null(personalData.QuerySelector("a[href*=DeletePersonalData]"));
        Assert.NotNull(personalData.QuerySelector("form#download-data"));
    }

    [Theory]
    [InlineData("/Identity/Account/Register")]
    [InlineData("/Identity/Account/RegisterConfirmation")]
    public async Task Registration_is_unreachable_for_get_and_post(string url)
    {
        var client = factory.CreateBrowserLikeClient();
        var token = await client.GetAntiforgeryTokenAsync("/Identity/Account/Login");

        var get = await client.GetAsync(url);
        var post = await client.PostAsync(url, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.Email"] = "self-registered@school.test",
            ["Input.Password"] = "Self-registered-123",
            ["Input.ConfirmPassword"] = "Self-registered-123",
            ["__RequestVerificationToken"] = token,
        }));

        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
        Assert.Equal(0, await factory.QueryAsync(db => Task.FromResult(db.Users.Count(u => u.Email == "self-registered@school.test"))));
    }
}
