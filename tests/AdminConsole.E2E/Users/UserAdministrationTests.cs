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
        await page.ReloadAsync();
        await Expect(page.Locator("[data-testid=generated-password]")).ToHaveCountAsync(0);

        await page.GotoAsync("/Users");
        await Expect(page.Locator("[data-testid=users] tr", new() { HasText = "nina.new@school.test" })).ToContainTextAsync("Teacher");
        await Chromium.ScreenshotAsync(page, "users");

        var nina = await chromium.SignedInPageAsync(console.BaseUrl, "nina.new@school.test", password);
        await Expect(nina.Locator("[data-testid=nav]")).ToContainTextAsync("Compose");
        await Expect(nina.Locator("[data-testid=signed-in-as]")).ToHaveTextAsync("nina.new@school.test");
    }
}
