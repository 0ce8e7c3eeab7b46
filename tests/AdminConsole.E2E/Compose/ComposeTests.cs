using System.Text.Json.Nodes;
using AdminConsole.E2E.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AdminConsole.E2E.Compose;

/// <summary>The console on Kestrel with Pusher's HTTP API pointed at a loopback listener (the local Channels server comes later).</summary>
public sealed class ComposeConsole : KestrelConsole
{
    // Field initializers run before the base constructor starts the server and reads Settings.
    private readonly LoopbackApi _api = LoopbackApi.StartAsync().GetAwaiter().GetResult();

    public LoopbackApi Api => _api;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Pusher:AppId", "4242"),
        new("Pusher:Key", "e2e-key"),
        new("Pusher:Secret", "e2e-secret-value"),
        new("Pusher:Host", "127.0.0.1"),
        new("Pusher:Port", _api.Port.ToString()),
        new("Pusher:Scheme", "http"),
    ];

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _api.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}

public class ComposeTests : IClassFixture<ComposeConsole>, IClassFixture<Chromium>
{
    private readonly ComposeConsole console;
    private readonly Chromium chromium;

    public ComposeTests(ComposeConsole console, Chromium chromium)
    {
        this.console = console;
        this.chromium = chromium;
        // The shared CI box can be slow; waiting longer on a condition costs nothing when it holds sooner.
        SetDefaultExpectTimeout(15_000);
    }

    [Fact]
    public async Task Admin_sends_an_announcement_to_a_class_and_sees_it_succeed_in_the_history()
    {
        var page = await chromium.SignedInPageAsync(console.BaseUrl, "admin@school.test", "Admin-demo-123");
        await page.GotoAsync("/Compose");

        await page.FillAsync("#channel-search", "physics");
        await Expect(page.GetByLabel("Everyone in History 8B")).ToBeHiddenAsync();
        await page.GetByLabel("Everyone in Physics 7A").CheckAsync();
        await Expect(page.GetByTestId("selected-count")).ToHaveTextAsync("1 selected");

        await page.FillAsync("#ann-title", "Lab closed");
        await page.FillAsync("#ann-body", "The physics lab is closed today.");
        await page.SelectOptionAsync("#ann-level", "warning");
        await Expect(page.GetByTestId("payload-validity")).ToHaveTextAsync("Valid JSON");
        await Expect(page.GetByTestId("payload-bytes")).ToContainTextAsync("/ 10240 bytes");
        await Expect(page.GetByTestId("preview")).ToContainTextAsync("Lab closed");

        await page.GetByTestId("send").ClickAsync();

        await Expect(page.GetByTestId("send-result")).ToContainTextAsync("Sent \"announcement\" to 1 channel(s).");
        var row = page.GetByTestId("history").Locator("tbody tr").First;
        await Expect(row).ToContainTextAsync("Everyone in Physics 7A", new() { UseInnerText = true });
        await Expect(row.Locator("[data-channel]")).ToHaveAttributeAsync("data-channel", "private-class-1");
        await Expect(row.GetByTestId("outcome")).ToHaveTextAsync("Sent");
        await Chromium.ScreenshotAsync(page, "compose-admin-sent");

        var request = console.Api.Requests.Last();
        var body = JsonNode.Parse(request.Body)!;
        Assert.Equal("announcement", body["name"]!.GetValue<string>());
        Assert.Equal("private-class-1", body["channels"]![0]!.GetValue<string>());
        Assert.Equal("""{"title":"Lab closed","body":"The physics lab is closed today.","level":"warning"}""", body["data"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_send_to_several_classes_is_confirmed_first_and_cancel_sends_nothing()
    {
        var page = await chromium.SignedInPageAsync(console.BaseUrl, "admin@school.test", "Admin-demo-123");
        await page.GotoAsync("/Compose");
        var before = console.Api.Requests.Count;
        await page.GetByLabel("Everyone in Physics 7A").CheckAsync();
        await page.GetByLabel("Everyone in History 8B").CheckAsync();
        await page.FillAsync("#ann-title", "Assembly at noon");

        await page.GetByTestId("send").ClickAsync();
        var confirm = page.GetByTestId("confirm-classes");
        await Expect(confirm).ToContainTextAsync("This goes to 2 classes: History 8B, Physics 7A.");
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(confirm).ToHaveCountAsync(0);
        Assert.Equal(before, console.Api.Requests.Count);
        await Expect(page.GetByLabel("Everyone in History 8B")).ToBeCheckedAsync(); // nothing lost by cancelling

        await page.GetByTestId("send").ClickAsync();
        await page.GetByTestId("confirm-classes").GetByRole(AriaRole.Button, new() { Name = "Send to 2 classes" }).ClickAsync();
        await Expect(page.GetByTestId("send-result")).ToContainTextAsync("Sent \"announcement\" to 2 channel(s).");
        await Expect(page.GetByTestId("send-result")).ToBeFocusedAsync();
        await Expect(page.GetByLabel("Everyone in History 8B")).Not.ToBeCheckedAsync();
    }

    [Fact]
    public async Task Teacher_picker_offers_only_their_class_and_a_crafted_send_to_another_class_gets_403()
    {
        var page = await chromium.SignedInPageAsync(console.BaseUrl, "teacher@school.test", "Teacher-demo-123");
        await page.GotoAsync("/Compose");

        var offered = await page.Locator("#channel-list input[type=checkbox]").EvaluateAllAsync<string[]>("boxes => boxes.map(b => b.value)");
        Assert.Contains("private-class-1", offered);
        Assert.Contains("presence-class-1", offered);
        Assert.DoesNotContain(offered, c => c.EndsWith("-class-2"));
        Assert.DoesNotContain("public", offered);
        Assert.All(offered, c => Assert.True(c.EndsWith("-class-1") || c.StartsWith("private-user-"), c));
        Assert.Single(offered, c => c.StartsWith("private-user-")); // the one student of Physics 7A
        await Expect(page.Locator("#channel-list")).Not.ToContainTextAsync("History 8B");
        await Expect(page.Locator("#custom-channel")).ToHaveCountAsync(0);

        var status = await page.EvaluateAsync<int>("""
            async () => {
              const token = document.querySelector("input[name=__RequestVerificationToken]").value;
              const r = await fetch("/realtime/trigger", {
                method: "POST",
                headers: { "Content-Type": "application/json", RequestVerificationToken: token },
                body: JSON.stringify({ channel: "private-class-2", event: "announcement", data: { title: "not yours" } }),
              });
              return r.status;
            }
            """);
        Assert.Equal(403, status);
        await Chromium.ScreenshotAsync(page, "compose-teacher-picker");
    }
}
