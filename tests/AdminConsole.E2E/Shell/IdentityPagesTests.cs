using AdminConsole.E2E.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AdminConsole.E2E.Shell;

/// <summary>
/// The sign-in and account pages in a real browser: their scripts load without an error (Identity UI's own partial
/// loaded jQuery Validation without jQuery: "jQuery is not defined" on every page) and client-side validation
/// answers before any request leaves the browser.
/// </summary>
public class IdentityPagesTests(KestrelConsole console, Chromium chromium) : IClassFixture<KestrelConsole>, IClassFixture<Chromium>
{
    /// <summary>Console errors and uncaught exceptions of the page, and every form post it sends.</summary>
    private static (List<string> Errors, List<string> Posts) Watch(IPage page)
    {
        var errors = new List<string>();
        var posts = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") errors.Add(m.Text); };
        page.PageError += (_, e) => errors.Add(e);
        page.Request += (_, r) => { if (r.Method == "POST") posts.Add(r.Url); };
        return (errors, posts);
    }

    [Fact]
    public async Task The_sign_in_page_has_no_console_error_and_validates_in_the_browser()
    {
        var context = await chromium.Browser.NewContextAsync(new() { BaseURL = console.BaseUrl });
        var page = await context.NewPageAsync();
        var (errors, posts) = Watch(page);

        await page.GotoAsync("/Identity/Account/Login");
        await page.WaitForFunctionAsync("() => window.jQuery && jQuery.validator && jQuery('#account').data('validator')");
        await page.FillAsync("#Input_Email", "not an address");
        await page.ClickAsync("#login-submit");

        await Expect(page.Locator("[data-valmsg-for='Input.Email']")).ToContainTextAsync("not a valid e-mail address");
        await Expect(page.Locator("[data-valmsg-for='Input.Password']")).ToContainTextAsync("required");
        Assert.Empty(posts); // no round trip
        Assert.EndsWith("/Identity/Account/Login", page.Url);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        await context.CloseAsync();
    }

    [Fact]
    public async Task The_change_password_page_has_no_console_error_and_checks_the_confirmation_in_the_browser()
    {
        var page = await chromium.SignedInPageAsync(console.BaseUrl, "auditor@school.test", "Auditor-demo-123");
        var (errors, posts) = Watch(page);

        await page.GotoAsync("/Identity/Account/Manage/ChangePassword");
        await page.WaitForFunctionAsync("() => window.jQuery && jQuery('#change-password-form').data('validator')");
        await page.FillAsync("#Input_OldPassword", "Auditor-demo-123");
        await page.FillAsync("#Input_NewPassword", "A-new-password-1");
        await page.FillAsync("#Input_ConfirmPassword", "Something-else-2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Update password" }).ClickAsync();

        await Expect(page.Locator("[data-valmsg-for='Input.ConfirmPassword']")).ToContainTextAsync("do not match");
        Assert.Empty(posts);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        await page.Context.CloseAsync();
    }
}
