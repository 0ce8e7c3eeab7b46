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
        await Expect(page.Locator("tr[data-testid=log-row] td[data-col=channel]").Filter(new() { HasNotText = "private-class-1" })).ToHaveCountAsync(0);

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
                // The page shows the school's zone; the export stays UTC, the instant the <time> element carries.
                (await row.Locator("td[data-col=time] time").GetAttributeAsync("datetime"))!,
                await row.Locator("td[data-col=kind]").InnerTextAsync(),
                await row.Locator("td[data-col=actor]").InnerTextAsync(),
                await row.Locator("td[data-col=channel]").InnerTextAsync(),
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
}
