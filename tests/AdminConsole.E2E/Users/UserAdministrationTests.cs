using AdminConsole.E2E.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AdminConsole.E2E.Users;

public class UserAdministrationTests(KestrelConsole console, Chromium chromium) : IClassFixture<KestrelConsole>, IClassFixture<Chromium>
{
    [Fact]
    public async Task Admin_creates_a_teacher_with_a_generated_password_that_is_shown_once_and_works()
    {
        var page = await chromium.SignedInPageAsync(console.BaseUrl, "admin@school.test", "Admin-demo-123");

        await page.GotoAsync("/Users/Create");
        await page.GetByLabel("Email").FillAsync("nina.new@school.test");
        await page.GetByLabel("Display name").FillAsync("Nina New");
        await page.GetByLabel("Teacher").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create user" }).ClickAsync();

        await Expect(page.Locator("[data-testid=status-message]")).ToContainTextAsync("Created nina.new@school.test.");
        var password = (await page.Locator("[data-testid=generated-password] code").TextContentAsync())!.Trim();
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new() { Origin = console.BaseUrl });
        await page.GetByRole(AriaRole.Button, new() { Name = "Copy" }).ClickAsync();
        await Expect(page.Locator("[data-copy-status]")).ToHaveTextAsync("Copied.");
        Assert.Equal(password, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        await page.ReloadAsync();
        await Expect(page.Locator("[data-testid=generated-password]")).ToHaveCountAsync(0);

        await page.GotoAsync("/Users");
        await Expect(page.Locator("[data-testid=users] tr", new() { HasText = "nina.new@school.test" })).ToContainTextAsync("Teacher");
        await Chromium.ScreenshotAsync(page, "users");

        // The generated password opens only the page where Nina chooses her own.
        var nina = await chromium.SignedInPageAsync(console.BaseUrl, "nina.new@school.test", password);
        await Expect(nina.Locator("[data-testid=password-change-required]")).ToBeVisibleAsync();
        await nina.FillAsync("#Input_OldPassword", password);
        await nina.FillAsync("#Input_NewPassword", "Ninas-own-pw-2026");
        await nina.FillAsync("#Input_ConfirmPassword", "Ninas-own-pw-2026");
        await nina.GetByRole(AriaRole.Button, new() { Name = "Update password" }).ClickAsync();
        await Expect(nina.Locator("[data-testid=status-message]")).ToContainTextAsync("Your password has been changed");
        await nina.GotoAsync("/");
        await Expect(nina.Locator("[data-testid=nav]")).ToContainTextAsync("Compose");
        await Expect(nina.Locator("[data-testid=signed-in-as]")).ToHaveTextAsync("nina.new@school.test");
    }
}
