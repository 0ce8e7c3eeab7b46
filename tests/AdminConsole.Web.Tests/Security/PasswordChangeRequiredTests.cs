using System.Net;
using System.Text.Json;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Security;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Tests.Security;

/// <summary>
/// A password an administrator set (typed or generated) is replaced at the first sign-in: the console is closed to
/// that user until they choose their own, and the change is audited as the required one.
/// </summary>
public class PasswordChangeRequiredTests(ConsoleFactory factory) : IClassFixture<ConsoleFactory>
{
    private async Task<(string Id, string Email)> CreateThroughThePageAsync(string role, string password)
    {
        var admin = await factory.SignInAsync(DemoUser.Admin);
        var email = $"first{Guid.NewGuid():N}"[..14] + "@school.test";
        var response = await admin.PostFormAsync("/Users/Create", new()
        {
            ["Input.Email"] = email,
            ["Input.DisplayName"] = "First Sign-in",
            ["Input.Roles"] = role,
            ["Input.Password"] = password,
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return (await factory.UserIdAsync(email), email);
    }

    private static Task<HttpResponseMessage> ChangePasswordAsync(HttpClient client, string old, string @new) =>
        client.PostFormAsync(PasswordChangeRequired.PagePath, new()
        {
            ["Input.OldPassword"] = old,
            ["Input.NewPassword"] = @new,
            ["Input.ConfirmPassword"] = @new,
        });

    [Fact]
    public async Task A_new_user_is_sent_to_change_their_password_and_can_use_nothing_else_until_they_do()
    {
        var (id, email) = await CreateThroughThePageAsync("Teacher", "Initial-pw-2026!");
        var user = await factory.SignInAsync(email, "Initial-pw-2026!");

        foreach (var path in new[] { "/", "/Compose", "/Presence", "/Identity/Account/Manage" })
        {
            var page = await user.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
            Assert.Equal(PasswordChangeRequired.PagePath, page.Headers.Location!.OriginalString);
        }
        var form = await user.GetDocumentAsync(PasswordChangeRequired.PagePath);
        Assert.Contains("set by an administrator", form.QuerySelector("[data-testid=password-change-required]")!.TextContent);
        Assert.Equal(["/Identity/Account/Manage/ChangePassword"], form.QuerySelectorAll("main .nav a").Select(a => a.GetAttribute("href")));
        var auth = await user.PostAsync("/pusher/auth", new FormUrlEncodedContent(new Dictionary<string, string> { ["socket_id"] = "1.1", ["channel_name"] = "private-class-1" }));
        Assert.Equal(HttpStatusCode.Forbidden, auth.StatusCode);
        Assert.Equal("application/problem+json", auth.Content.Headers.ContentType?.MediaType);

        var changed = await ChangePasswordAsync(user, "Initial-pw-2026!", "Her-own-pw-2026!");

        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await user.GetAsync("/Compose")).StatusCode);
        Assert.Null((await user.GetDocumentAsync(PasswordChangeRequired.PagePath)).QuerySelector("[data-testid=password-change-required]"));
        var entry = Assert.Single(await factory.AuditAsync(AuditKinds.AccountPasswordChanged, $"user:{id}"));
        Assert.True(JsonDocument.Parse(entry.Data!).RootElement.GetProperty("detail").GetProperty("required").GetBoolean());
        Assert.DoesNotContain("Her-own-pw-2026!", entry.Data);
        Assert.Equal(0, await factory.QueryAsync(db => db.UserClaims.CountAsync(c => c.UserId == id)));

        // The next sign-in goes straight in.
        var again = await factory.SignInAsync(email, "Her-own-pw-2026!");
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/Compose")).StatusCode);
    }

    [Fact]
    public async Task A_refused_change_keeps_the_requirement()
    {
        var (_, email) = await CreateThroughThePageAsync("Auditor", "Initial-pw-2026!");
        var user = await factory.SignInAsync(email, "Initial-pw-2026!");

        var refused = await ChangePasswordAsync(user, "Not-the-password-1", "Her-own-pw-2026!");

        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Equal(PasswordChangeRequired.PagePath, (await user.GetAsync("/EventLog")).Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task The_creation_entry_says_a_change_is_required_and_a_generated_reset_requires_it_again()
    {
        var (id, email) = await CreateThroughThePageAsync("Student", "Initial-pw-2026!");
        var created = Assert.Single(await factory.AuditAsync(AuditKinds.UserCreated, $"user:{id}"));
        Assert.True(JsonDocument.Parse(created.Data!).RootElement.GetProperty("passwordChangeRequired").GetBoolean());
        var user = await factory.SignInAsync(email, "Initial-pw-2026!");
        Assert.Equal(HttpStatusCode.Redirect, (await ChangePasswordAsync(user, "Initial-pw-2026!", "Own-pw-2026-abc!")).StatusCode);

        var admin = await factory.SignInAsync(DemoUser.Admin);
        var url = $"/Users/Details/{id}";
        var reset = await admin.PostFormAsync(url + "?handler=ResetPassword", [], formPageUrl: url);
        var generated = (await admin.GetDocumentAsync(reset.Headers.Location!.OriginalString)).QuerySelector("[data-testid=generated-password] code")!.TextContent.Trim();

        var afterReset = await factory.SignInAsync(email, generated);
        Assert.Equal(PasswordChangeRequired.PagePath, (await afterReset.GetAsync("/Student")).Headers.Location!.OriginalString);
        var entry = Assert.Single(await factory.AuditAsync(AuditKinds.UserPasswordReset, $"user:{id}"));
        Assert.True(JsonDocument.Parse(entry.Data!).RootElement.GetProperty("passwordChangeRequired").GetBoolean());
    }

    [Fact]
    public async Task The_generated_password_has_a_copy_button_served_from_a_script_file()
    {
        var admin = await factory.SignInAsync(DemoUser.Admin);
        var response = await admin.PostFormAsync("/Users/Create", new()
        {
            ["Input.Email"] = "copy.me@school.test",
            ["Input.DisplayName"] = "Copy Me",
            ["Input.Roles"] = "Student",
            ["Input.Password"] = "",
        });

        var page = await admin.GetDocumentAsync(response.Headers.Location!.OriginalString);

        var button = page.QuerySelector("[data-testid=copy-password]")!;
        Assert.Equal("#generated-password-value", button.GetAttribute("data-copy"));
        Assert.NotNull(page.QuerySelector("#generated-password-value"));
        var script = page.QuerySelectorAll("script[src]").Select(s => s.GetAttribute("src")!).Single(s => s.Contains("/js/users"));
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(script)).StatusCode);
        Assert.Empty(page.QuerySelectorAll("script:not([src])"));
    }
}
