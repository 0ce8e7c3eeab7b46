using System.Text.Json;
using AdminConsole.Channels;
using AdminConsole.E2E.Infrastructure;
using AdminConsole.E2E.Webhooks;
using AdminConsole.Web.Classes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace AdminConsole.E2E.Shell;

/// <summary>
/// Every page as every role that may open it, in a real browser: axe-core finds no serious or critical
/// accessibility violation, and at a phone's width (375 px) no page is wider than the viewport. The console holds
/// data first (an occupied presence channel, a member, log entries) so that tables and charts render rows.
/// </summary>
public class EveryPageTests(EveryPageTests.Console console, Chromium chromium) : IClassFixture<EveryPageTests.Console>, IClassFixture<Chromium>
{
    public enum Role { Anonymous, Student, Teacher, Auditor, Admin }

    private const Role Student = Role.Student, Teacher = Role.Teacher, Auditor = Role.Auditor, Admin = Role.Admin;
    private static readonly Role[] SignedIn = [Student, Teacher, Auditor, Admin];

    /// <summary>
    /// Every page a browser can open (the GET pages of the role matrix in Web.Tests, Security/RoleMatrixTests) and who
    /// may open it. {student} is the demo student's id, {channel} the presence channel of Physics 7A (occupied here).
    /// </summary>
    public static readonly (string Path, Role[] Roles)[] Pages =
    [
        ("/Identity/Account/Login", [Role.Anonymous]),
        ("/Identity/Account/Lockout", [Role.Anonymous]),
        ("/", [Admin, Teacher, Auditor]),
        ("/Channels", [Admin, Auditor]),
        ("/Channels/Detail?name={channel}", [Admin, Auditor]),
        ("/Presence", [Admin, Teacher]),
        ("/Compose", [Admin, Teacher]),
        ("/EventLog", [Admin, Auditor]),
        ("/EventLog/Entry/1", [Admin, Auditor]),
        ("/Student", [Student]),
        ("/Users", [Admin]),
        ("/Users/Create", [Admin]),
        ("/Users/Details/{student}", [Admin]),
        ("/Users/Delete/{student}", [Admin]),
        ("/Classes", [Admin]),
        ("/Classes/Create", [Admin]),
        ("/Classes/Details/1", [Admin]),
        ("/Identity/Account/Manage", SignedIn),
        ("/Identity/Account/Manage/ChangePassword", SignedIn),
        ("/Identity/Account/Manage/PersonalData", SignedIn),
        ("/Users/NoSuchPage", [Admin]), // the not-found page
    ];

    public static TheoryData<Role> Roles() => new(Enum.GetValues<Role>());

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task No_page_has_a_serious_or_critical_axe_violation(Role role)
    {
        var axe = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Interop, "node_modules", "axe-core", "axe.min.js"));
        var failures = new List<string>();
        await foreach (var (path, page) in OpenEveryPageAsync(role, new() { BypassCSP = true }))
        {
            await page.AddScriptTagAsync(new() { Content = axe });
            var found = await page.EvaluateAsync<JsonElement>("""
                async () => (await axe.run(document, { resultTypes: ['violations'] })).violations
                    .filter(v => v.impact === 'serious' || v.impact === 'critical')
                    .map(v => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`)
                """);
            failures.AddRange(found.EnumerateArray().Select(v => $"{path}: {v.GetString()}"));
        }
        Assert.True(failures.Count == 0, $"{role}:\n" + string.Join("\n", failures));
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task No_page_scrolls_sideways_on_a_phone(Role role)
    {
        var failures = new List<string>();
        await foreach (var (path, page) in OpenEveryPageAsync(role, new() { ViewportSize = new() { Width = 375, Height = 740 } }))
        {
            var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, innerWidth]");
            if (widths[0] > widths[1])
                failures.Add($"{path}: {widths[0]} px wide in a {widths[1]} px viewport");
        }
        Assert.True(failures.Count == 0, $"{role}:\n" + string.Join("\n", failures));
    }

    private async IAsyncEnumerable<(string Path, IPage Page)> OpenEveryPageAsync(Role role, BrowserNewContextOptions options)
    {
        await console.EnsureDataAsync();
        options.BaseURL = console.BaseUrl;
        await using var context = await chromium.Browser.NewContextAsync(options);
        var page = await context.NewPageAsync();
        if (role != Role.Anonymous)
        {
            var email = $"{role.ToString().ToLowerInvariant()}@school.test";
            await page.GotoAsync("/Identity/Account/Login");
            await page.FillAsync("#Input_Email", email);
            await page.FillAsync("#Input_Password", $"{role}-demo-123");
            await page.ClickAsync("#login-submit");
            await page.WaitForURLAsync(url => !url.Contains("/Identity/Account/Login"));
        }
        foreach (var (template, roles) in Pages.Where(p => p.Roles.Contains(role)))
        {
            var path = template.Replace("{student}", console.StudentId).Replace("{channel}", console.Channel);
            var response = await page.GotoAsync(path);
            Assert.True(response!.Status is 200 or 404, $"{role} {path}: {response.Status}");
            yield return (path, page);
        }
    }

    public sealed class Console : WebhookKestrelConsole
    {
        private readonly SemaphoreSlim _once = new(1, 1);
        public string StudentId { get; private set; } = "";
        public string Channel { get; private set; } = "";

        public async Task EnsureDataAsync()
        {
            await _once.WaitAsync();
            try
            {
                if (StudentId != "") return;
                var physics = await QueryAsync(db => db.Classes.Where(c => c.Name == "Physics 7A").Select(c => c.Id).SingleAsync());
                StudentId = await QueryAsync(db => db.Users.Where(u => u.Email == "student@school.test").Select(u => u.Id).SingleAsync());
                Channel = ChannelNames.PresenceClass(physics);
                await PostWebhookAsync(WebhookEvent.ChannelOccupied(Channel), WebhookEvent.MemberAdded(Channel, StudentId));
                await PostWebhookAsync(WebhookEvent.ChannelOccupied(ChannelNames.PrivateClass(physics)));
            }
            finally
            {
                _once.Release();
            }
        }
    }
}
