using AdminConsole.E2E.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AdminConsole.E2E.Student;

/// <summary>The local server with client events turned on by the operator (they are off by default).</summary>
public sealed class ClientEventsConsole : KestrelConsole
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Pusher:Local:VacatedDelay", "00:00:00"),
        new("Pusher:Local:ClientEvents", "true"),
    ];
}

/// <summary>Issue 14, defect 5: where client events are allowed, the student page shows them apart from announcements, with the sender.</summary>
public class ClientEventsTests(ClientEventsConsole console, Chromium chromium) : IClassFixture<ClientEventsConsole>, IClassFixture<Chromium>
{
    [Fact]
    public async Task A_client_event_is_shown_apart_from_announcements_with_its_sender()
    {
        var reader = await chromium.SignedInPageAsync(console.BaseUrl, "student@school.test", "Student-demo-123");
        await reader.GotoAsync("/Student");
        await Expect(reader.GetByTestId("online-1")).ToContainTextAsync("Sam Student");
        await Expect(reader.GetByTestId("peer-messages-card")).ToBeHiddenAsync();

        // The same student's second tab, a separate socket: pusher-js delivers a client event to every other one.
        var sender = await chromium.SignedInPageAsync(console.BaseUrl, "student@school.test", "Student-demo-123");
        await sender.GotoAsync("/Student");
        await sender.WaitForFunctionAsync("() => { const c = Pusher.instances[0] && Pusher.instances[0].channel('presence-class-1'); return !!(c && c.subscribed); }");
        Assert.True(await sender.EvaluateAsync<bool>("() => Pusher.instances[0].channel('presence-class-1').trigger('client-URGENT', { text: 'exam moved to 7am' })"));

        var message = reader.GetByTestId("peer-messages").Locator("[data-testid=peer-message]").First;
        await Expect(message).ToHaveAttributeAsync("data-event", "client-URGENT");
        await Expect(message.Locator("[data-field=sender]")).ToHaveTextAsync("Sam Student");
        await Expect(message).ToContainTextAsync("exam moved to 7am");
        await Expect(reader.GetByTestId("announcements").Locator("[data-event='client-URGENT']")).ToHaveCountAsync(0);
    }
}
