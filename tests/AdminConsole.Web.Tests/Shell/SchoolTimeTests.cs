using AdminConsole.Channels;
using AdminConsole.Web.Tests.Infrastructure;
using AdminConsole.Web.Tests.Webhooks;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using WebhookPost = AdminConsole.Web.Tests.Webhooks.Webhook;

namespace AdminConsole.Web.Tests.Shell;

/// <summary>One time rule: every page shows a moment in the school's zone, named, with the UTC instant on hover.</summary>
public class SchoolTimeTests(SchoolTimeTests.Console console) : IClassFixture<SchoolTimeTests.Console>
{
    private static readonly HtmlParser Html = new();

    [Fact]
    public async Task Channels_and_the_event_log_show_the_same_moment_as_the_same_text()
    {
        // The clock stands still: the webhook's time_ms, its arrival and its log entry are one moment.
        var moment = console.Time.GetUtcNow();
        const string channel = "private-time-rule";
        var admin = await console.SignInAsync(DemoUser.Admin);
        var post = await WebhookPost.PostAsync(admin, WebhookPost.Body(moment.ToUnixTimeMilliseconds(), WebhookEvent.ChannelOccupied(channel)));
        post.EnsureSuccessStatusCode();

        var channels = Html.ParseDocument(await admin.GetStringAsync("/Channels?Filter.Prefix=" + channel));
        var onChannels = channels.QuerySelector($"tr[data-channel='{channel}'] [data-col=last] time")!;
        AngleSharp.Dom.IElement? onLog = null;
        await Eventually.UntilAsync(async () =>
        {
            var log = Html.ParseDocument(await admin.GetStringAsync("/EventLog?channel=" + channel));
            onLog = log.QuerySelector("tr [data-col=time] time");
            return onLog is not null;
        }, TimeSpan.FromSeconds(10), "the webhook event reaches the event log");

        var local = TimeZoneInfo.ConvertTime(moment, TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata"));
        Assert.Equal($"{local:yyyy-MM-dd HH:mm:ss} Asia/Kolkata", onChannels.TextContent);
        Assert.Equal(onChannels.TextContent, onLog!.TextContent);
        Assert.Equal($"{moment.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC", onLog.GetAttribute("title"));
        Assert.Equal(onChannels.GetAttribute("title"), onLog.GetAttribute("title"));
        Assert.Equal($"{moment.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff}Z", onLog.GetAttribute("datetime"));
    }

    [Fact]
    public async Task An_unknown_time_zone_stops_the_console_at_start_with_its_name()
    {
        await using var console = new ConsoleFactory();
        await using var factory = console.WithWebHostBuilder(b => b.UseSetting("School:TimeZone", "Mars/Olympus_Mons"));
        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        Assert.Contains("\"Mars/Olympus_Mons\" is not a known IANA time zone", error.ToString());
    }

    public sealed class Console : WebhookConsole
    {
        public FakeTimeProvider Time { get; } = new(DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));

        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [.. base.Settings, new("School:TimeZone", "Asia/Kolkata")];

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(Time));
        }
    }
}
