using AdminConsole.E2E.Infrastructure;

namespace AdminConsole.E2E.Shell;

public class SignInTests(KestrelConsole console, Chromium chromium) : IClassFixture<KestrelConsole>, IClassFixture<Chromium>
{
    [Fact]
    public async Task Teacher_sees_no_admin_navigation_and_gets_403_on_users()
    {
        var page = await chromium.SignedInPageAsync(console.BaseUrl, "teacher@school.test", "Teacher-demo-123");
        var nav = page.Locator("[data-testid=nav]");
        await Microsoft.Playwright.Assertions.Expect(nav).ToContainTextAsync("Compose");
        Assert.Equal(0, await nav.GetByText("Users").CountAsync());
        Assert.Equal(0, await nav.GetByText("Classes").CountAsync());

        var response = await page.GotoAsync("/Users");
        Assert.Equal(403, response!.Status);
        await Microsoft.Playwright.Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Access denied");
        Assert.Equal(403, (await page.GotoAsync("/Classes/Details/1"))!.Status);
        await Chromium.ScreenshotAsync(page, "teacher-403");
    }
}
