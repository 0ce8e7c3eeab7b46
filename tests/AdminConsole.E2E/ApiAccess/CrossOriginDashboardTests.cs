using System.Text.Json;
using AdminConsole.E2E.Infrastructure;
using AdminConsole.Web.Compose;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Pusher;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AdminConsole.E2E.ApiAccess;

/// <summary>
/// The console in local mode that lists one dashboard origin in Cors:AllowedOrigins, and two dashboard servers:
/// that one, and another that is not listed. The sites start first: the console needs the listed origin.
/// </summary>
public sealed class DashboardConsole : KestrelConsole, IAsyncLifetime
{
    // Initializers run before KestrelConsole's constructor starts the console with these settings.
    public StaticSite Listed { get; } = StaticSite.Start();
    public StaticSite Unlisted { get; } = StaticSite.Start();

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Cors:AllowedOrigins:0", Listed.Origin),
    ];

    public int ChannelsPort => Services.GetRequiredService<EmbeddedChannels>().Server!.Port;
    public string ChannelsKey => Services.GetRequiredService<IOptions<AdminConsole.Channels.ChannelsOptions>>().Value.Key;

    public async Task<T> QueryAsync<T>(Func<AppDbContext, Task<T>> query)
    {
        await using var scope = Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<AppDbContext>());
    }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        await Listed.DisposeAsync();
        await Unlisted.DisposeAsync();
    }
}

/// <summary>
/// The seed's setup: a single-page dashboard on its own port uses the console for pusher-js authorization and
/// for sending, with the user signed in through the console; real pusher-js in Chromium, the local Channels server.
/// </summary>
public class CrossOriginDashboardTests(DashboardConsole console, Chromium chromium) : IClassFixture<DashboardConsole>, IClassFixture<Chromium>
{
    [Fact]
    public async Task A_listed_dashboard_authorizes_a_class_channel_and_receives_the_event_it_sent_through_the_console()
    {
        var page = await chromium.SignedInPageAsync(console.BaseUrl, "teacher@school.test", "Teacher-demo-123");
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync(console.Listed.Origin + "/");

        var result = await page.EvaluateAsync<JsonElement>("([c, k, p, ch]) => window.sendAndReceive(c, k, p, ch)",
            new object[] { console.BaseUrl, console.ChannelsKey, console.ChannelsPort, "private-class-1" });

        Assert.Equal("teacher@school.test", result.GetProperty("email").GetString());
        Assert.Equal(["Teacher"], result.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(200, result.GetProperty("triggerStatus").GetInt32());
        Assert.Equal("Sent from the dashboard", result.GetProperty("received").GetString());
        Assert.Empty(errors);
        var sent = await console.QueryAsync(db => db.SentEvents.CountAsync(s => s.EventName == "from-dashboard"));
        Assert.Equal(1, sent);
    }

    [Fact]
    public async Task The_same_page_on_an_unlisted_origin_is_refused_at_the_preflight_and_gets_no_signature()
    {
        var page = await chromium.SignedInPageAsync(console.BaseUrl, "teacher@school.test", "Teacher-demo-123");
        // A forger with a valid antiforgery token of this very browser: the preflight still stops the send.
        await page.GotoAsync("/Compose");
        var antiforgery = await page.Locator("input[name=__RequestVerificationToken]").First.GetAttributeAsync("value");
        await page.GotoAsync(console.Unlisted.Origin + "/");

        var result = await page.EvaluateAsync<JsonElement>("([c, k, p, ch, h, t]) => window.tryFromElsewhere(c, k, p, ch, h, t)",
            new object[] { console.BaseUrl, console.ChannelsKey, console.ChannelsPort, "private-class-1", "RequestVerificationToken", antiforgery! });

        Assert.Equal("blocked: TypeError", result.GetProperty("session").GetString());
        Assert.Equal("blocked: TypeError", result.GetProperty("trigger").GetString());
        Assert.Equal("refused", result.GetProperty("subscribe").GetString());
        // The POST never reached the endpoint: nothing was sent or even attempted.
        Assert.Equal(0, await console.QueryAsync(db => db.SentEvents.CountAsync(s => s.EventName == "from-elsewhere")));
        Assert.Equal(0, await console.QueryAsync(db => db.AuditEntries.CountAsync(a => a.EventName == "from-elsewhere")));
    }
}
