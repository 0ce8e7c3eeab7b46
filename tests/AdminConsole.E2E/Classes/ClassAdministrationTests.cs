using AdminConsole.E2E.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace AdminConsole.E2E.Classes;

public class ClassAdministrationTests(KestrelConsole console, Chromium chromium) : IClassFixture<KestrelConsole>, IClassFixture<Chromium>
{
    [Fact]
    public async Task Admin_creates_a_class_assigns_the_teacher_enrols_the_student_and_sees_them_listed()
    {
        var page = await chromium.SignedInPageAsync(console.BaseUrl, "admin@school.test", "Admin-demo-123");

        await page.GetByRole(Microsoft.Playwright.AriaRole.Link, new() { Name = "Classes", Exact = true }).ClickAsync();
        await page.GetByRole(Microsoft.Playwright.AriaRole.Link, new() { Name = "Create class" }).ClickAsync();
        await page.GetByLabel("Name").FillAsync("Astronomy 9D");
        await page.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Create class" }).ClickAsync();

        await Expect(page.Locator("h1")).ToHaveTextAsync("Astronomy 9D");
        var id = page.Url.Split('/').Last().Split('?')[0];
        await Expect(page.Locator("[data-testid=channels]")).ToContainTextAsync($"presence-class-{id}");

        await page.Locator("#AddTeacher-user").SelectOptionAsync(new Microsoft.Playwright.SelectOptionValue { Label = "Tom Teacher (teacher@school.test)" });
        await page.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Assign teacher" }).ClickAsync();
        await Expect(page.Locator("[data-testid=status-message]")).ToContainTextAsync("Teacher assigned.");

        // The search narrows the student list, as it would in a school with hundreds of students.
        await page.GetByPlaceholder("Find teachers and students by name or email").FillAsync("sam");
        await page.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Find" }).ClickAsync();
        await page.Locator("#AddStudent-user").SelectOptionAsync(new Microsoft.Playwright.SelectOptionValue { Label = "Sam Student (student@school.test)" });
        await page.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Enrol student" }).ClickAsync();
        await Expect(page.Locator("[data-testid=status-message]")).ToContainTextAsync("Student enrolled.");

        await Expect(page.Locator("[data-testid=teachers]")).ToContainTextAsync("Tom Teacher");
        await Expect(page.Locator("[data-testid=students]")).ToContainTextAsync("Sam Student");
        await Chromium.ScreenshotAsync(page, "class-details");

        await page.GetByRole(Microsoft.Playwright.AriaRole.Link, new() { Name = "Classes", Exact = true }).First.ClickAsync();
        var row = page.Locator("[data-testid=classes] tr", new() { HasText = "Astronomy 9D" });
        await Expect(row).ToContainTextAsync("Tom Teacher");
        await Expect(row.Locator("td").Nth(2)).ToHaveTextAsync("1");
        await Chromium.ScreenshotAsync(page, "classes");
    }
}
