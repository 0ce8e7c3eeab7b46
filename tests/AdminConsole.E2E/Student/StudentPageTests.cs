using AdminConsole.E2E.Infrastructure;
using AdminConsole.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AdminConsole.E2E.Student;

/// <summary>
/// The console as a fresh clone runs it: no Pusher credentials, so it hosts the local Channels server itself.
/// Any free port (a developer's console may hold 6001) and no vacate delay, so departures show at once.
/// </summary>
public sealed class LocalModeConsole : KestrelConsole
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Pusher:Local:VacatedDelay", "00:00:00"),
    ];

    public async Task<T> QueryAsync<T>(Func<AppDbContext, Task<T>> query)
    {
        await using var scope = Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<AppDbContext>());
    }
}

/// <summary>
/// Real pusher-js 8.6.0 in Chromium against the embedded local server: subscriptions signed by /pusher/auth,
/// presence driven by the local server's signed webhooks into /pusher/webhook and mirrored over SignalR,
/// announcements sent through the compose page and the protocol library.
/// </summary>
public class StudentPageTests(LocalModeConsole console, Chromium chromium) : IClassFixture<LocalModeConsole>, IClassFixture<Chromium>
{
    [Fact]
    public async Task Student_comes_online_for_the_teacher_gets_the_admins_announcement_and_is_seen_leaving()
    {
        var studentId = await console.QueryAsync(db => db.Users.Where(u => u.Email == "student@school.test").Select(u => u.Id).SingleAsync());

        var teacher = await chromium.SignedInPageAsync(console.BaseUrl, "teacher@school.test", "Teacher-demo-123");
        await teacher.GotoAsync("/Presence");
        await Expect(teacher.GetByTestId("live-status")).ToHaveTextAsync("live");
        var card = teacher.Locator("[data-presence-channel='presence-class-1']");
        await Expect(card.Locator($"[data-user-id='{studentId}']")).ToHaveCountAsync(0);

        var student = await chromium.SignedInPageAsync(console.BaseUrl, "student@school.test", "Student-demo-123");
        var scriptErrors = new List<string>();
        student.PageError += (_, error) => scriptErrors.Add(error);
        await student.GotoAsync("/Student");
        await Expect(student.GetByTestId("connection-state")).ToHaveAttributeAsync("data-connection-state", "connected");
        // pusher-js joined presence-class-1 through /pusher/auth: the member list comes from the local server.
        await Expect(student.GetByTestId("online-1")).ToContainTextAsync("Sam Student");
        await Expect(student.GetByTestId("online-1")).ToContainTextAsync("(you)");

        // member_added went from the local server to /pusher/webhook, into the projection, and out over SignalR.
        await Expect(card.Locator($"[data-user-id='{studentId}']")).ToContainTextAsync("Sam Student");
        await Expect(card.Locator("[data-count]")).ToHaveTextAsync("1");

        var admin = await chromium.SignedInPageAsync(console.BaseUrl, "admin@school.test", "Admin-demo-123");
        await admin.GotoAsync("/Compose");
        await admin.GetByLabel("Everyone in Physics 7A").CheckAsync();
        await admin.FillAsync("#ann-title", "Lab closed");
        await admin.FillAsync("#ann-body", "The physics lab is closed today.\nBring your notes to room 12.");
        await admin.SelectOptionAsync("#ann-level", "warning");
        await admin.GetByTestId("send").ClickAsync();
        await Expect(admin.GetByTestId("send-result")).ToContainTextAsync("Sent \"announcement\" to 1 channel(s).");

        var announcement = student.GetByTestId("announcements").Locator("[data-testid=announcement]").First;
        await Expect(announcement.Locator("[data-field=title]")).ToHaveTextAsync("Lab closed");
        await Expect(announcement.Locator("[data-field=body]")).ToHaveTextAsync("The physics lab is closed today.\nBring your notes to room 12.");
        await Expect(announcement).ToHaveAttributeAsync("data-level", "warning");
        await Expect(announcement).ToHaveAttributeAsync("data-source", "private-class-1");
        await Expect(announcement).ToContainTextAsync("Physics 7A");
        await Expect(student.GetByTestId("no-announcements")).ToBeHiddenAsync();
        // Every channel the page asked for was granted (no subscription error shown), and its script ran clean.
        await Expect(student.GetByTestId("class-error-1")).ToBeHiddenAsync();
        Assert.Empty(scriptErrors);
        await Chromium.ScreenshotAsync(student, "student-page");
        await Chromium.ScreenshotAsync(teacher, "teacher-presence-with-student");

        // Closing the page closes the socket; the local server sends member_removed (no delay here).
        await student.Context.CloseAsync();
        await Expect(card.Locator($"[data-user-id='{studentId}']")).ToHaveCountAsync(0);
        await Expect(card.Locator("[data-nobody]")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Announcement_on_the_encrypted_class_channel_arrives_decrypted()
    {
        var student = await chromium.SignedInPageAsync(console.BaseUrl, "student2@school.test", "Student-demo-123");
        var frames = new System.Collections.Concurrent.ConcurrentQueue<string>();
        student.WebSocket += (_, socket) => socket.FrameReceived += (_, frame) => frames.Enqueue(frame.Text ?? "");
        await student.GotoAsync("/Student");
        await Expect(student.GetByTestId("connection-state")).ToHaveAttributeAsync("data-connection-state", "connected");
        await Expect(student.GetByTestId("online-2")).ToContainTextAsync("Zoë Student");
        await WaitForSubscriptionAsync(student, "private-encrypted-class-2");

        var admin = await chromium.SignedInPageAsync(console.BaseUrl, "admin@school.test", "Admin-demo-123");
        await admin.GotoAsync("/Compose");
        await admin.GetByTestId("advanced").CheckAsync(); // encrypted channels are a kind of channel: Advanced
        await admin.GetByLabel("History 8B (encrypted) private-encrypted-class-2").CheckAsync();
        await admin.FillAsync("#ann-title", "Exam moved");
        await admin.FillAsync("#ann-body", "The history exam is on Friday — Zoë's group first.");
        await admin.SelectOptionAsync("#ann-level", "urgent");
        await admin.GetByTestId("send").ClickAsync();
        await Expect(admin.GetByTestId("send-result")).ToContainTextAsync("Sent \"announcement\" to 1 channel(s).");

        var announcement = student.GetByTestId("announcements").Locator("[data-testid=announcement]").First;
        await Expect(announcement).ToHaveAttributeAsync("data-source", "private-encrypted-class-2");
        await Expect(announcement.Locator("[data-field=title]")).ToHaveTextAsync("Exam moved");
        await Expect(announcement.Locator("[data-field=body]")).ToHaveTextAsync("The history exam is on Friday — Zoë's group first.");
        await Expect(announcement.Locator("[data-field=encrypted]")).ToBeVisibleAsync();
        await Expect(announcement).ToHaveAttributeAsync("data-level", "urgent");

        // What reached the browser was ciphertext; pusher-js decrypted it with the shared secret from /pusher/auth.
        var delivered = frames.Where(f => f.Contains("\"announcement\"") && f.Contains("private-encrypted-class-2")).ToList();
        var frame = Assert.Single(delivered);
        Assert.Contains("ciphertext", frame);
        Assert.DoesNotContain("Exam moved", frame);
    }

    [Fact]
    public async Task Teacher_announces_to_everyone_in_a_class_by_name_and_the_student_still_sees_it_after_a_reload()
    {
        var title = "Field trip " + Guid.NewGuid().ToString("N")[..6];
        var student = await chromium.SignedInPageAsync(console.BaseUrl, "student@school.test", "Student-demo-123");
        await student.GotoAsync("/Student"); // the visit before the send
        await Expect(student.GetByTestId("connection-state")).ToHaveAttributeAsync("data-connection-state", "connected");
        await WaitForSubscriptionAsync(student, "private-class-1");

        // The teacher's home is about their classes: who is online, live, and a button to announce.
        var teacher = await chromium.SignedInPageAsync(console.BaseUrl, "teacher@school.test", "Teacher-demo-123");
        await teacher.GotoAsync("/");
        await Expect(teacher).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/Teacher$"));
        var card = teacher.GetByTestId("teacher-class-1");
        await Expect(card).ToContainTextAsync("Physics 7A");
        await Expect(teacher.GetByTestId("teacher-online-1")).ToContainTextAsync("Sam Student");
        await Expect(teacher.Locator("body")).Not.ToContainTextAsync("PUSHER_");
        await Chromium.ScreenshotAsync(teacher, "teacher-home");

        await teacher.GetByTestId("announce-1").ClickAsync();
        await Expect(teacher.GetByLabel("Everyone in Physics 7A")).ToBeCheckedAsync();
        // No channel name anywhere the teacher can see.
        await Expect(teacher.Locator("main")).Not.ToContainTextAsync("private-", new() { UseInnerText = true });
        await Expect(teacher.Locator("main")).Not.ToContainTextAsync("presence-", new() { UseInnerText = true });
        await teacher.FillAsync("#ann-title", title);
        await teacher.FillAsync("#ann-body", "Bring a packed lunch.");
        await teacher.GetByTestId("send").ClickAsync();
        await Expect(teacher.GetByTestId("send-result")).ToContainTextAsync("Sent \"announcement\"");
        await Expect(teacher.GetByTestId("send-result")).ToBeFocusedAsync();
        await Expect(teacher.GetByLabel("Everyone in Physics 7A")).Not.ToBeCheckedAsync();
        await Expect(teacher.Locator("#ann-title")).ToHaveValueAsync("");
        var row = teacher.GetByTestId("history").Locator("tbody tr").First;
        await Expect(row).ToContainTextAsync("Everyone in Physics 7A", new() { UseInnerText = true });

        var mine = student.GetByTestId("announcements").Locator("[data-testid=announcement]").Filter(new() { HasText = title });
        await Expect(mine).ToHaveCountAsync(1);

        // A reload keeps it, marked new since the last visit, and shown once although the page also listens live.
        await student.ReloadAsync();
        await Expect(student.GetByTestId("connection-state")).ToHaveAttributeAsync("data-connection-state", "connected");
        await Expect(mine).ToHaveCountAsync(1);
        await Expect(mine.Locator("[data-field=body]")).ToHaveTextAsync("Bring a packed lunch.");
        await Expect(mine).ToHaveAttributeAsync("data-new", "true");
        await Expect(mine.Locator("[data-field=new]")).ToHaveTextAsync("New since your last visit");
        await Expect(mine).ToContainTextAsync("Physics 7A");
        await Expect(student.GetByTestId("no-announcements")).ToBeHiddenAsync();
        await Chromium.ScreenshotAsync(student, "student-after-reload");

        // The teacher home lists it as the class's last announcement.
        await teacher.GotoAsync("/Teacher");
        await Expect(teacher.GetByTestId("teacher-recent-1")).ToContainTextAsync(title);

        // Seen now: the next visit no longer marks it.
        await student.ReloadAsync();
        await Expect(mine).ToHaveCountAsync(1);
        await Expect(mine.Locator("[data-field=new]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Client_events_are_refused_by_the_default_local_server()
    {
        var page = await chromium.SignedInPageAsync(console.BaseUrl, "student2@school.test", "Student-demo-123");
        await page.GotoAsync("/Student");
        await WaitForSubscriptionAsync(page, "presence-class-2");
        var error = await page.EvaluateAsync<string>("""
            () => new Promise(resolve => {
              const p = Pusher.instances[0];
              p.connection.bind('error', e => resolve(JSON.stringify(e)));
              p.channel('presence-class-2').trigger('client-URGENT', { text: 'exam moved to 7am' });
            })
            """);
        Assert.Contains("enable this feature", error);
    }

    [Fact]
    public async Task Dashboard_says_the_console_runs_its_own_local_channels_server()
    {
        var server = console.Services.GetRequiredService<Web.Pusher.EmbeddedChannels>().Server!;
        var page = await chromium.SignedInPageAsync(console.BaseUrl, "admin@school.test", "Admin-demo-123");
        await page.GotoAsync("/");
        await Expect(page.GetByTestId("channels-mode")).ToHaveAttributeAsync("data-mode", "local");
        await Expect(page.GetByTestId("channels-mode")).ToContainTextAsync($"Local Channels server at 127.0.0.1:{server.Port}");
    }

    /// <summary>pusher-js's own view: the channel is subscribed (auth signed, server confirmed).</summary>
    private static Task WaitForSubscriptionAsync(IPage page, string channel) =>
        page.WaitForFunctionAsync("name => { const c = Pusher.instances[0] && Pusher.instances[0].channel(name); return !!(c && c.subscribed); }", channel);
}
