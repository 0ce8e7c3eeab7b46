using System.Text;
using AdminConsole.E2E.Infrastructure;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AdminConsole.E2E.EventLog;

public class EventLogTests(KestrelConsole console, Chromium chromium) : IClassFixture<KestrelConsole>, IClassFixture<Chromium>
{
    private async Task SeedAsync()
    {
        await using var scope = console.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var trail = scope.ServiceProvider.GetRequiredService<AuditTrail>();
        var teacher = new Actor(null, "teacher@school.test");
        for (var i = 0; i < 12; i++)
        {
            trail.Add(db, AuditKinds.EventSent, teacher, data: new { title = $"Homework {i}", body = "Read chapter 4, then answer \"why?\", in one line" },
                channel: "private-class-1", eventName: "announcement", outcome: i % 5 == 4 ? "failure" : "success");
            trail.Add(db, AuditKinds.ChannelAuth, new Actor(null, "student2@school.test"), data: new { socket_id = $"123.{i}" },
                channel: i % 2 == 0 ? "private-class-2" : "presence-class-1", outcome: "refused");
            trail.Add(db, AuditKinds.WebhookEvent, Actor.Pusher, data: new { name = "member_added", channel = "presence-class-1", user_id = "s1" },
                channel: "presence-class-1", eventName: "member_added", outcome: "accepted");
        }
        trail.Add(db, AuditKinds.EventSent, teacher, data: "=HYPERLINK(\"http://evil.example\")", channel: "private-class-1", eventName: "client-note", outcome: "success");
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task Auditor_filters_to_a_class_channel_expands_an_entry_and_downloads_matching_csv()
    {
        await SeedAsync();
        var page = await chromium.SignedInPageAsync(console.BaseUrl, "auditor@school.test", "Auditor-demo-123");
        await page.GotoAsync("/EventLog");
        await Expect(page.GetByTestId("activity-chart")).ToContainTextAsync("Last activity recorded");

        await page.FillAsync("#channel", "private-class-1");
        await page.GetByTestId("apply").ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("channel=private-class-1"));
        var rows = page.Locator("tr[data-testid=log-row]");
        await Expect(rows).ToHaveCountAsync(13);
        // The page names the class; the channel itself stays on the cell (and in the export).
        await Expect(page.Locator("tr[data-testid=log-row] td[data-col=channel]:not([data-channel='private-class-1'])")).ToHaveCountAsync(0);
        await Expect(rows.First.Locator("td[data-col=channel]")).ToHaveTextAsync("Physics 7A (private)");

        // Expand the newest "Homework" entry: its payload is shown pretty-printed.
        var homework = rows.Filter(new() { HasText = "announcement" }).First;
        var id = await homework.GetAttributeAsync("data-id");
        await homework.GetByTestId("expand").ClickAsync();
        var payload = page.Locator($"#payload-{id} pre");
        await Expect(payload).ToBeVisibleAsync();
        await Expect(payload).ToContainTextAsync("\"title\": \"Homework 11\"");
        await Chromium.ScreenshotAsync(page, "eventlog-auditor");

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export").ClickAsync());
        Assert.EndsWith(".csv", download.SuggestedFilename);
        var file = Path.Combine(Path.GetTempPath(), $"eventlog-{Guid.NewGuid():N}.csv");
        await download.SaveAsAsync(file);
        var csv = Csv.Parse(File.ReadAllText(file, Encoding.UTF8).TrimStart('\uFEFF'));
        File.Delete(file);

        Assert.Equal(EventLogCsv.Header, csv[0]);
        var pageRows = new List<string[]>();
        foreach (var row in await rows.AllAsync())
            pageRows.Add([
                (await row.GetAttributeAsync("data-id"))!,
                (await row.Locator("td[data-col=time] time").GetAttributeAsync("datetime"))!, // the page shows the school's zone; this is the UTC instant
                await row.Locator("td[data-col=kind]").InnerTextAsync(),
                await row.Locator("td[data-col=actor]").InnerTextAsync(),
                (await row.Locator("td[data-col=channel]").GetAttributeAsync("data-channel"))!,
                await row.Locator("td[data-col=event]").InnerTextAsync(),
                await row.Locator("td[data-col=outcome]").InnerTextAsync(),
            ]);
        var fileRows = csv.Skip(1).Select(r => new[] { r[0], r[1], r[2], r[3], r[5], r[6], r[7] }).ToList();
        Assert.Equal(pageRows.Select(r => string.Join("|", r.Select(c => c.Trim()))), fileRows.Select(r => string.Join("|", r)));
        // The formula-looking payload arrives neutralised.
        Assert.Contains(csv, r => r[9] == "'=HYPERLINK(\"http://evil.example\")");
    }

    [Fact]
    public async Task Live_toggle_prepends_new_entries_that_match_the_filter()
    {
        var page = await chromium.SignedInPageAsync(console.BaseUrl, "auditor@school.test", "Auditor-demo-123");
        await page.GotoAsync("/EventLog?channel=private-class-9*");
        await page.GetByTestId("live-toggle").CheckAsync();
        await Expect(page.GetByTestId("live-status")).ToHaveTextAsync("live");

        await using (var scope = console.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var trail = scope.ServiceProvider.GetRequiredService<AuditTrail>();
            trail.Add(db, AuditKinds.EventSent, new Actor(null, "teacher@school.test"), data: new { title = "Live" }, channel: "private-class-9", eventName: "live-check", outcome: "success");
            trail.Add(db, AuditKinds.EventSent, new Actor(null, "teacher@school.test"), data: new { title = "Other" }, channel: "private-class-8", eventName: "live-check", outcome: "success");
            await db.SaveChangesAsync();
        }

        var rows = page.Locator("tr[data-testid=log-row]");
        await Expect(rows.Filter(new() { HasText = "live-check" })).ToHaveCountAsync(1);
        await Expect(rows.First.Locator("td[data-col=channel]")).ToHaveTextAsync("private-class-9");
        await rows.First.GetByTestId("expand").ClickAsync();
        await Expect(page.Locator("tr[data-testid=payload-row] pre").First).ToContainTextAsync("\"title\": \"Live\"");
    }

    [Fact]
    public async Task Auditor_finds_an_entry_by_part_of_a_display_name_with_a_preset()
    {
        // Zoë Student (student2) did something just now and three hours ago; Sam did something just now.
        var zoeId = await UserIdAsync("student2@school.test");
        var samId = await UserIdAsync("student@school.test");
        AuditEntry old, recent;
        await using (var scope = console.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            db.AuditEntries.Add(old = new AuditEntry
            {
                TimeUtc = DateTime.UtcNow.AddHours(-3), Kind = AuditKinds.ChannelAuth, ActorId = zoeId, ActorName = "student2@school.test",
                Channel = "presence-class-2", Outcome = "allowed", Data = "{\"socket_id\":\"1.1\"}",
            });
            await db.SaveChangesAsync();
            var trail = scope.ServiceProvider.GetRequiredService<AuditTrail>();
            recent = trail.Add(db, AuditKinds.ChannelAuth, new Actor(zoeId, "student2@school.test"), data: new { socket_id = "2.2" }, channel: "presence-class-2", outcome: "allowed");
            trail.Add(db, AuditKinds.ChannelAuth, new Actor(samId, "student@school.test"), data: new { socket_id = "3.3" }, channel: "presence-class-1", outcome: "allowed");
            await db.SaveChangesAsync();
        }

        var page = await chromium.SignedInPageAsync(console.BaseUrl, "auditor@school.test", "Auditor-demo-123");
        await page.GotoAsync("/EventLog");
        await page.FillAsync("#user", "zoe"); // no accent, part of "Zoë Student"
        await page.GetByTestId("preset-hour").ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("range=hour"));

        // Zoë's entry of the last hour is there, named by class; the one from three hours ago is not; nobody else's is.
        var rows = page.Locator("tr[data-testid=log-row]");
        var mine = page.Locator($"tr[data-testid=log-row][data-id='{recent.Id}']");
        await Expect(mine.Locator("td[data-col=channel]")).ToHaveTextAsync("History 8B (presence)");
        await Expect(page.Locator($"tr[data-testid=log-row][data-id='{old.Id}']")).ToHaveCountAsync(0);
        await Expect(rows.Locator("td[data-col=actor]").Filter(new() { HasNotText = "student2@school.test" })).ToHaveCountAsync(0);
        // The preset became a fixed window in the From field; the typed text is kept.
        await Expect(page.Locator("#from")).Not.ToHaveValueAsync("");
        await Expect(page.Locator("#user")).ToHaveValueAsync("zoe");

        // One click hides machine events (channel authorizations are): nothing of Zoë's is left in the hour.
        await page.GetByTestId("hide-machine").CheckAsync();
        await page.WaitForURLAsync(url => url.Contains("hide=machine"));
        await Expect(page.GetByTestId("empty")).ToBeVisibleAsync();

        // The Live switch is remembered in this browser.
        await page.GotoAsync("/EventLog");
        await page.GetByTestId("live-toggle").CheckAsync();
        await page.ReloadAsync();
        await Expect(page.GetByTestId("live-toggle")).ToBeCheckedAsync();
        await Expect(page.GetByTestId("live-status")).ToHaveTextAsync("live");

        // On a phone the filter folds behind one button.
        await page.SetViewportSizeAsync(375, 740);
        await Expect(page.Locator("#user")).ToBeHiddenAsync();
        await page.GetByTestId("filter-toggle").ClickAsync();
        await Expect(page.Locator("#user")).ToBeVisibleAsync();
    }

    private async Task<string> UserIdAsync(string email)
    {
        await using var scope = console.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        return db.Users.Single(u => u.Email == email).Id;
    }
}
