using System.Net;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Tests.Security;

/// <summary>
/// Identity UI ships pages for an e-mail loop, two-factor sign-in and external logins, none of which the console
/// has; several answered 500. They answer 404 now, sign-in and sign-out survive a foreign returnUrl (the session
/// was already changed when the 500 came), and an unparsable field is a 400 with its message.
/// </summary>
public class IdentityPagesTests(ConsoleFactory factory) : IClassFixture<ConsoleFactory>
{
    [Theory]
    [InlineData("/Identity/Account/ConfirmEmail")]
    [InlineData("/Identity/Account/ConfirmEmail?userId=x&code=y")]
    [InlineData("/Identity/Account/ConfirmEmailChange")]
    [InlineData("/Identity/Account/ConfirmEmailChange?userId=x&email=a@b.c&code=y")]
    [InlineData("/Identity/Account/LoginWith2fa")]
    [InlineData("/Identity/Account/LoginWithRecoveryCode")]
    [InlineData("/Identity/Account/ExternalLogin")]
    [InlineData("/Identity/Account/ForgotPassword")]
    [InlineData("/Identity/Account/ForgotPasswordConfirmation")]
    [InlineData("/Identity/Account/ResetPassword?code=x")]
    [InlineData("/Identity/Account/ResetPasswordConfirmation")]
    [InlineData("/Identity/Account/ResendEmailConfirmation")]
    public async Task Unsupported_account_pages_answer_404_to_anyone(string path)
    {
        using var anonymous = await factory.CreateBrowserLikeClient().GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, anonymous.StatusCode);
        var student = await factory.SignInAsync(DemoUser.Student);
        using var signedIn = await student.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, signedIn.StatusCode);
    }

    [Theory]
    [InlineData("GenerateRecoveryCodes")]
    [InlineData("TwoFactorAuthentication")]
    [InlineData("EnableAuthenticator")]
    [InlineData("Disable2fa")]
    [InlineData("ResetAuthenticator")]
    [InlineData("ShowRecoveryCodes")]
    [InlineData("Email")]
    [InlineData("ExternalLogins")]
    [InlineData("SetPassword")]
    public async Task Unsupported_manage_pages_answer_404_for_get_and_post(string page)
    {
        var client = await factory.SignInAsync(DemoUser.Teacher);
        using var get = await client.GetAsync("/Identity/Account/Manage/" + page);
        using var post = await client.PostFormAsync("/Identity/Account/Manage/" + page, [], formPageUrl: "/Identity/Account/Manage");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
    }

    [Fact]
    public async Task The_account_pages_link_only_to_what_exists()
    {
        var client = await factory.SignInAsync(DemoUser.Teacher);
        var links = new List<string>();
        foreach (var page in new[] { "/Identity/Account/Manage", "/Identity/Account/Manage/ChangePassword", "/Identity/Account/Manage/PersonalData" })
            links.AddRange((await client.GetDocumentAsync(page)).QuerySelectorAll("a[href^='/Identity']").Select(a => a.GetAttribute("href")!));
        var login = await factory.CreateBrowserLikeClient().GetDocumentAsync("/Identity/Account/Login");
        links.AddRange(login.QuerySelectorAll("a[href^='/Identity']").Select(a => a.GetAttribute("href")!));

        Assert.NotEmpty(links);
        foreach (var link in links.Distinct())
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(link)).StatusCode);
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example")]
    [InlineData("/\\evil.example")]
    [InlineData("javascript:alert(1)")]
    public async Task Sign_in_with_a_foreign_return_url_lands_on_the_console(string returnUrl)
    {
        var client = factory.CreateBrowserLikeClient();
        using var response = await client.PostFormAsync("/Identity/Account/Login?returnUrl=" + Uri.EscapeDataString(returnUrl), new()
        {
            ["Input.Email"] = DemoUser.Auditor.Email,
            ["Input.Password"] = DemoUser.Auditor.Password,
        }, formPageUrl: "/Identity/Account/Login");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task A_local_return_url_is_kept()
    {
        var client = factory.CreateBrowserLikeClient();
        using var response = await client.PostFormAsync("/Identity/Account/Login?returnUrl=%2FEventLog", new()
        {
            ["Input.Email"] = DemoUser.Auditor.Email,
            ["Input.Password"] = DemoUser.Auditor.Password,
        }, formPageUrl: "/Identity/Account/Login");

        Assert.Equal("/EventLog", response.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example")]
    public async Task Sign_out_with_a_foreign_return_url_lands_on_the_console(string returnUrl)
    {
        var client = await factory.SignInAsync(DemoUser.Auditor);
        using var response = await client.PostFormAsync("/Identity/Account/Logout?returnUrl=" + Uri.EscapeDataString(returnUrl), [], formPageUrl: "/EventLog");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/EventLog")).StatusCode); // signed out
    }

    [Theory]
    [InlineData("maybe")]
    [InlineData("2")]
    [InlineData("true,false,yes")]
    public async Task An_unparsable_remember_me_is_400_with_the_message_and_no_sign_in(string value)
    {
        var client = factory.CreateBrowserLikeClient();
        using var response = await client.PostFormAsync("/Identity/Account/Login", new()
        {
            ["Input.Email"] = DemoUser.Auditor.Email,
            ["Input.Password"] = DemoUser.Auditor.Password,
            ["Input.RememberMe"] = value,
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var page = await response.ParseHtmlAsync();
        Assert.Contains("is not valid", page.QuerySelector("[data-valmsg-for='Input.RememberMe']")?.TextContent);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/EventLog")).StatusCode); // not signed in
    }
    [Theory]
    [InlineData("/Identity/Account/Login", false)]
    [InlineData("/Identity/Account/Manage/ChangePassword", true)]
    [InlineData("/Users/Create", true)]
    public async Task Client_side_validation_loads_jquery_before_its_plugins_and_every_script_is_served(string path, bool signedIn)
    {
        var client = signedIn ? await factory.SignInAsync(DemoUser.Admin) : factory.CreateBrowserLikeClient();

        var page = await client.GetDocumentAsync(path);

        var scripts = page.QuerySelectorAll("script[src]").Select(s => s.GetAttribute("src")!).ToList();
        int IndexOf(string file) => scripts.FindIndex(s => s.Contains(file, StringComparison.Ordinal));
        Assert.True(IndexOf("/jquery.min") >= 0, string.Join(", ", scripts));
        Assert.True(IndexOf("/jquery.min") < IndexOf("/jquery.validate.min"), string.Join(", ", scripts));
        Assert.True(IndexOf("/jquery.validate.min") < IndexOf("/jquery.validate.unobtrusive.min"), string.Join(", ", scripts));
        Assert.Empty(page.QuerySelectorAll("script:not([src])")); // the CSP allows no inline script
        foreach (var src in scripts)
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(src)).StatusCode);
        Assert.NotEmpty(page.QuerySelectorAll("main input[data-val=true]"));
    }

    [Fact]
    public async Task The_sign_in_page_offers_nothing_that_leads_nowhere()
    {
        var page = await factory.CreateBrowserLikeClient().GetDocumentAsync("/Identity/Account/Login");

        var text = page.QuerySelector("main")!.TextContent;
        foreach (var gone in new[] { "Register", "Forgot your password", "Resend email confirmation", "external authentication" })
            Assert.DoesNotContain(gone, text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Ask an administrator", text);
    }

    [Fact]
    public async Task After_signing_out_the_page_leads_back_to_sign_in()
    {
        var client = await factory.SignInAsync(DemoUser.Auditor);
        using var signOut = await client.PostFormAsync("/Identity/Account/Logout", [], formPageUrl: "/EventLog");
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);

        var page = await client.GetDocumentAsync("/Identity/Account/Logout");

        Assert.Equal("/Identity/Account/Login", page.QuerySelector("[data-testid=signed-out] a")!.GetAttribute("href"));
    }

    [Fact]
    public async Task The_lockout_page_says_until_when_and_whom_to_ask()
    {
        var user = await factory.CreateUserAsync("Teacher");
        var client = factory.CreateBrowserLikeClient();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 5; i++)
            last = await client.PostFormAsync("/Identity/Account/Login", new() { ["Input.Email"] = user.Email!, ["Input.Password"] = "Wrong-password-1" });
        Assert.Equal("/Identity/Account/Lockout", last!.Headers.Location?.OriginalString);

        var page = await client.GetDocumentAsync("/Identity/Account/Lockout");

        var text = page.QuerySelector("[data-testid=lockout]")!.TextContent;
        Assert.Contains("locked for 15 minutes, until", text);
        Assert.Contains("ask an administrator", text);
        var until = page.QuerySelector("[data-testid=lockout] time")!.GetAttribute("datetime")!;
        var lockoutEnd = await factory.QueryAsync(db => db.Users.Where(u => u.Id == user.Id).Select(u => u.LockoutEnd).SingleAsync());
        Assert.Equal(lockoutEnd!.Value.ToUnixTimeSeconds(), DateTimeOffset.Parse(until, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeSeconds());

        // Read once: opened again, the page states the rule.
        Assert.Contains("15 minutes", (await client.GetDocumentAsync("/Identity/Account/Lockout")).QuerySelector("[data-testid=lockout]")!.TextContent);
    }

    [Fact]
    public async Task An_administrators_lock_is_named_as_such_on_the_lockout_page()
    {
        var user = await factory.CreateUserAsync("Auditor");
        var admin = await factory.SignInAsync(DemoUser.Admin);
        await admin.PostFormAsync($"/Users/Details/{user.Id}?handler=Lock", [], formPageUrl: $"/Users/Details/{user.Id}");
        var client = factory.CreateBrowserLikeClient();
        await client.PostFormAsync("/Identity/Account/Login", new() { ["Input.Email"] = user.Email!, ["Input.Password"] = "Throwaway-pw-123" });

        var text = (await client.GetDocumentAsync("/Identity/Account/Lockout")).QuerySelector("[data-testid=lockout]")!.TextContent;

        Assert.Contains("An administrator has locked this account", text);
        Assert.Contains("until an administrator unlocks it", text);
    }

    [Fact]
    public async Task The_profile_shows_name_email_and_roles_and_edits_nothing()
    {
        var client = await factory.SignInAsync(DemoUser.Teacher);

        var page = await client.GetDocumentAsync("/Identity/Account/Manage");

        var profile = page.QuerySelector("[data-testid=profile]")!.TextContent;
        Assert.Contains(DemoUser.Teacher.Email, profile);
        Assert.Contains("Teacher", profile);
        Assert.Empty(page.QuerySelectorAll("main form input:not([type=hidden])"));
        Assert.DoesNotContain("Phone", page.QuerySelector("main")!.TextContent);
        using var post = await client.PostFormAsync("/Identity/Account/Manage", new() { ["Input.PhoneNumber"] = "+44 20 7946 0000" }, formPageUrl: "/Identity/Account/Manage/ChangePassword");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }
}
