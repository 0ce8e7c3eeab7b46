using System.Net;
using AdminConsole.Web.Tests.Infrastructure;

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
}
