using Microsoft.Playwright;

namespace AdminConsole.E2E.Infrastructure;

/// <summary>
/// Debian's chromium driven by Playwright .NET. Playwright's own browser download cannot work here, so the
/// executable is the system one; tests/run.sh installs it. A missing browser fails the run, never skips it.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
            throw new InvalidOperationException($"{ExecutablePath} is missing: run `bash tests/run.sh` (it installs Debian's chromium) or `apt-get install -y chromium`.");
        // Assertions wait on conditions, so a longer limit costs nothing when they pass; Playwright's 5 s default
        // failed a send-result check on a 2-core machine shared by several test runs.
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
    }

    /// <summary>A fresh browser context (its own cookies) whose page is signed in as the given user.</summary>
    public async Task<IPage> SignedInPageAsync(string baseUrl, string email, string password)
    {
        var context = await Browser.NewContextAsync(new() { BaseURL = baseUrl });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/Identity/Account/Login");
        await page.FillAsync("#Input_Email", email);
        await page.FillAsync("#Input_Password", password);
        await page.ClickAsync("#login-submit");
        await page.WaitForURLAsync(url => !url.Contains("/Identity/Account/Login"));
        return page;
    }

    /// <summary>Screenshots go to the test output folder (never into git).</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(dir);
        await page.ScreenshotAsync(new() { Path = Path.Combine(dir, name + ".png"), FullPage = true });
    }
}
