using System.Net.Http.Headers;
using System.Text;
using AdminConsole.Channels;
using AdminConsole.E2E.Infrastructure;
using AdminConsole.Web.Classes;
using AdminConsole.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AdminConsole.E2E.Webhooks;

/// <summary>The console on Kestrel with a Pusher app configured, so signed webhooks can be posted to it.</summary>
public class WebhookKestrelConsole : KestrelConsole
{
    public const string Key = "e2e-webhook-key";
    public const string Secret = "e2e-webhook-secret";
    private long _time = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Pusher:AppId", "1"),
        new("Pusher:Key", Key),
        new("Pusher:Secret", Secret),
        new("Pusher:Enabled", "false"),
    ];

    /// <summary>Posts a signed webhook as Pusher would, each with a later time_ms than the last.</summary>
    public async Task PostWebhookAsync(params WebhookEvent[] events)
    {
        var body = new Webhook(Interlocked.Add(ref _time, 10), events).ToJson();
        using var http = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/pusher/webhook") { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-Pusher-Key", Key);
        request.Headers.Add("X-Pusher-Signature", new WebhookSigner(Secret).Sign(body));
        var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    public async Task<T> QueryAsync<T>(Func<AppDbContext, Task<T>> query)
    {
        await using var scope = Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<AppDbContext>());
    }
}

public class LivePagesTests(WebhookKestrelConsole console, Chromium chromium) : IClassFixture<WebhookKestrelConsole>, IClassFixture<Chromium>
{
    [Fact]
    public async Task Teachers_presence_page_shows_a_student_appear_and_disappear_without_reload()
    {
        var physics = await console.QueryAsync(db => db.Classes.Where(c => c.Name == "Physics 7A").Select(c => c.Id).SingleAsync());
        var student = await console.QueryAsync(db => db.Users.Where(u => u.Email == "student@school.test").Select(u => u.Id).SingleAsync());
        var channel = ChannelNames.PresenceClass(physics);
        var page = await chromium.SignedInPageAsync(console.BaseUrl, "teacher@school.test", "Teacher-demo-123");
        await page.GotoAsync("/Presence");
        await Expect(page.GetByTestId("live-status")).ToHaveTextAsync("live");
        var card = page.Locator($"[data-presence-channel='{channel}']");
        await Expect(card.Locator("[data-nobody]")).ToBeVisibleAsync();
        var navigations = 0;
        page.FrameNavigated += (_, frame) => { if (frame == page.MainFrame) navigations++; };

        await console.PostWebhookAsync(WebhookEvent.ChannelOccupied(channel), WebhookEvent.MemberAdded(channel, student));

        await Expect(card.Locator($"li[data-user-id='{student}']")).ToContainTextAsync("Sam Student");
        await Expect(card.Locator("[data-count]")).ToHaveTextAsync("1");
        await Chromium.ScreenshotAsync(page, "presence-teacher-student-online");

        await console.PostWebhookAsync(WebhookEvent.MemberRemoved(channel, student));

        await Expect(card.Locator($"li[data-user-id='{student}']")).ToHaveCountAsync(0);
        await Expect(card.Locator("[data-nobody]")).ToBeVisibleAsync();
        Assert.Equal(0, navigations);
    }

    [Fact]
    public async Task Channels_page_shows_a_channel_become_occupied_then_vacated()
    {
        var page = await chromium.SignedInPageAsync(console.BaseUrl, "admin@school.test", "Admin-demo-123");
        await page.GotoAsync("/Channels");
        await Expect(page.GetByTestId("live-status")).ToHaveTextAsync("live");
        var navigations = 0;
        page.FrameNavigated += (_, frame) => { if (frame == page.MainFrame) navigations++; };

        await console.PostWebhookAsync(WebhookEvent.ChannelOccupied("private-class-room-e2e"), WebhookEvent.ChannelOccupied("presence-lobby"), WebhookEvent.MemberAdded("presence-lobby", "guest-1"));
        var row = page.Locator("tr[data-channel='private-class-room-e2e']");
        await Expect(row.Locator("[data-col=state]")).ToHaveTextAsync("occupied");
        await Expect(page.Locator("tr[data-channel='presence-lobby'] [data-col=members]")).ToHaveTextAsync("1");
        await Chromium.ScreenshotAsync(page, "channels-live");

        // The page beside it shows every state; the default one hides vacated channels.
        var all = await page.Context.NewPageAsync();
        await all.GotoAsync("/Channels?Filter.State=all");
        await Expect(all.GetByTestId("live-status")).ToHaveTextAsync("live");

        await console.PostWebhookAsync(WebhookEvent.ChannelVacated("private-class-room-e2e"));

        await Expect(all.Locator("tr[data-channel='private-class-room-e2e'] [data-col=state]")).ToHaveTextAsync("vacated");
        await Expect(row).ToHaveCountAsync(0);
        await Expect(page.Locator("tr[data-channel='presence-lobby']")).ToHaveCountAsync(1);
        Assert.Equal(0, navigations);
    }
}
