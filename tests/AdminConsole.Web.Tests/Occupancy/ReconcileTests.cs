using System.Net;
using System.Text;
using AdminConsole.Channels;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Occupancy;
using AdminConsole.Web.Tests.Infrastructure;
using AdminConsole.Web.Tests.Webhooks;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WebhookPost = AdminConsole.Web.Tests.Webhooks.Webhook;

namespace AdminConsole.Web.Tests.Occupancy;

/// <summary>The console with Pusher enabled and its HTTP API answered by <see cref="FakePusherApi"/>.</summary>
public class ReconcileConsole : WebhookConsole
{
    public FakePusherApi Api { get; } = new();

    /// <summary>The same on PostgreSQL.</summary>
    public new sealed class OnPostgres : ReconcileConsole
    {
        public override AdminConsole.Web.Data.DatabaseProvider Provider => AdminConsole.Web.Data.DatabaseProvider.Postgres;
    }

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        base.Settings.Where(s => s.Key != "Pusher:Enabled").Append(new("Pusher:Enabled", "true"));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
            services.AddHttpClient<ChannelsClient>().ConfigurePrimaryHttpMessageHandler(() => Api));
    }
}

/// <summary>Pusher's channel list and presence users endpoints, with answers the test sets.</summary>
public sealed class FakePusherApi : HttpMessageHandler
{
    public Dictionary<string, string[]?> Occupied { get; set; } = [];
    public bool Unreachable { get; set; }

    /// <summary>Answers to info=subscription_count, per channel (the app has subscription counting on).</summary>
    public Dictionary<string, long> Counts { get; set; } = [];

    /// <summary>Answer info=subscription_count with 400, as an app without subscription counting may.</summary>
    public bool RefusesSubscriptionCount { get; set; }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (Unreachable) throw new HttpRequestException("Connection refused");
        var path = request.RequestUri!.AbsolutePath;
        string json;
        var asksCount = request.RequestUri.Query.Contains("info=subscription_count", StringComparison.Ordinal);
        if (path.EndsWith("/channels", StringComparison.Ordinal) && asksCount && RefusesSubscriptionCount)
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.BadRequest) { Content = new StringContent("subscription_count is not enabled for this app") });
        if (path.EndsWith("/channels", StringComparison.Ordinal))
            json = "{\"channels\":{" + string.Join(",", Occupied.Keys.Select(c =>
                asksCount && Counts.TryGetValue(c, out var n) ? $"\"{c}\":{{\"subscription_count\":{n}}}" : $"\"{c}\":{{}}")) + "}}";
        else if (path.EndsWith("/users", StringComparison.Ordinal))
        {
            var channel = path.Split('/')[^2];
            json = "{\"users\":[" + string.Join(",", (Occupied.GetValueOrDefault(channel) ?? []).Select(u => $"{{\"id\":\"{u}\"}}")) + "]}";
        }
        else
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotFound) { Content = new StringContent("not found") });
        return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") });
    }
}

public abstract class ReconcileTests<TConsole>(TConsole console) : IClassFixture<TConsole> where TConsole : ReconcileConsole
{
    [Fact]
    public async Task Reconcile_corrects_what_the_webhooks_missed_and_records_each_correction()
    {
        var client = console.CreateClient();
        await WebhookPost.PostAsync(client, WebhookPost.Body(
            WebhookEvent.ChannelOccupied("rec-stale"),
            WebhookEvent.ChannelOccupied("presence-rec"),
            WebhookEvent.MemberAdded("presence-rec", "u-gone"),
            WebhookEvent.MemberAdded("presence-rec", "u-stays")));
        console.Api.Unreachable = false;
        console.Api.Occupied = new() { ["presence-rec"] = ["u-stays", "u-new"], ["rec-missed"] = null };
        var admin = await console.SignInAsync(DemoUser.Admin);

        var response = await admin.PostFormAsync("/Channels/Reconcile", [], formPageUrl: "/Channels");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var page = await admin.GetStringAsync(response.Headers.Location!.ToString());
        Assert.Contains("4 correction(s) applied", new HtmlParser().ParseDocument(page).QuerySelector("[data-testid=status-message]")!.TextContent);
        var states = await console.QueryAsync(db => db.ChannelStates.Where(c => c.Channel.Contains("rec")).ToDictionaryAsync(c => c.Channel, c => c.Occupied));
        Assert.False(states["rec-stale"]);
        Assert.True(states["rec-missed"]);
        Assert.True(states["presence-rec"]);
        var online = await console.QueryAsync(db => db.PresenceMembers.Where(m => m.Channel == "presence-rec" && m.Present).Select(m => m.UserId).OrderBy(u => u).ToListAsync());
        Assert.Equal(["u-new", "u-stays"], online);
        var corrections = await console.QueryAsync(db => db.AuditEntries.Where(a => a.Kind == AuditKinds.ReconcileCorrection).ToListAsync());
        Assert.Equal(4, corrections.Count);
        Assert.All(corrections, c => Assert.Equal((DemoUser.Admin.Email, "corrected"), (c.ActorName, c.Outcome)));
        Assert.Equal(["channel_occupied", "channel_vacated", "member_added", "member_removed"], corrections.Select(c => c.EventName).Order());

        // Nothing left to correct: a second run agrees and writes nothing.
        var again = await admin.PostFormAsync("/Channels/Reconcile", [], formPageUrl: "/Channels");
        Assert.Contains("agrees with Pusher", await admin.GetStringAsync(again.Headers.Location!.ToString()));
        Assert.Equal(4, await console.QueryAsync(db => db.AuditEntries.CountAsync(a => a.Kind == AuditKinds.ReconcileCorrection)));
    }

    [Fact]
    public async Task Unreachable_pusher_is_said_plainly_and_changes_nothing()
    {
        console.Api.Unreachable = true;
        var admin = await console.SignInAsync(DemoUser.Admin);
        var before = await console.QueryAsync(db => db.AuditEntries.CountAsync(a => a.Kind == AuditKinds.ReconcileCorrection));

        var response = await admin.PostFormAsync("/Channels/Reconcile", [], formPageUrl: "/Channels");

        var page = await admin.GetStringAsync(response.Headers.Location!.ToString());
        Assert.Contains("Pusher could not be reached", page);
        Assert.Equal(before, await console.QueryAsync(db => db.AuditEntries.CountAsync(a => a.Kind == AuditKinds.ReconcileCorrection)));
        console.Api.Unreachable = false;
    }

    [Fact]
    public async Task Auditor_sees_the_channels_but_may_not_reconcile()
    {
        var auditor = await console.SignInAsync(DemoUser.Auditor);
        var page = await auditor.GetStringAsync("/Channels");
        Assert.DoesNotContain("data-testid=\"reconcile\"", page);
        // A valid token from a page the auditor may open, so only authorization can refuse the post.
        var token = await auditor.GetAntiforgeryTokenAsync("/Identity/Account/Manage");
        var response = await auditor.PostAsync("/Channels/Reconcile", new FormUrlEncodedContent([new("__RequestVerificationToken", token)]));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}

/// <summary>On SQLite.</summary>
public sealed class ReconcileTests(ReconcileConsole console) : ReconcileTests<ReconcileConsole>(console);

/// <summary>On PostgreSQL.</summary>
public sealed class ReconcileTestsOnPostgres(ReconcileConsole.OnPostgres console) : ReconcileTests<ReconcileConsole.OnPostgres>(console);

public class ReconcileWhenDisabledTests(WebhookConsole console) : IClassFixture<WebhookConsole>
{
    [Fact]
    public async Task With_pusher_disabled_the_page_says_so()
    {
        var admin = await console.SignInAsync(DemoUser.Admin);
        var response = await admin.PostFormAsync("/Channels/Reconcile", [], formPageUrl: "/Channels");
        var page = await admin.GetStringAsync(response.Headers.Location!.ToString());
        Assert.Contains("Pusher is disabled", page);
    }
}

/// <summary>Subscription counts from the HTTP API, on a console of their own (ReconcileTests counts every correction).</summary>
public class ReconcileCountTests(ReconcileConsole console) : IClassFixture<ReconcileConsole>
{
    [Fact]
    public async Task Reconcile_fills_in_subscription_counts_and_does_without_them_when_pusher_refuses_the_attribute()
    {
        await WebhookPost.PostAsync(console.CreateClient(), WebhookPost.Body(WebhookEvent.ChannelOccupied("private-count-a"), WebhookEvent.ChannelOccupied("private-count-b")));
        console.Api.Unreachable = false;
        console.Api.Occupied = new() { ["private-count-a"] = null, ["private-count-b"] = null };
        console.Api.Counts = new() { ["private-count-a"] = 7 };
        var admin = await console.SignInAsync(DemoUser.Admin);
        var correctionsBefore = await console.QueryAsync(db => db.AuditEntries.CountAsync(a => a.Kind == AuditKinds.ReconcileCorrection && a.Channel!.StartsWith("private-count-")));

        await admin.PostFormAsync("/Channels/Reconcile", [], formPageUrl: "/Channels");

        var page = new HtmlParser().ParseDocument(await admin.GetStringAsync("/Channels?Filter.Prefix=private-count-"));
        Assert.Equal("7", page.QuerySelector("tr[data-channel='private-count-a'] [data-col=subscriptions]")!.TextContent.Trim());
        Assert.Equal("–", page.QuerySelector("tr[data-channel='private-count-b'] [data-col=subscriptions]")!.TextContent.Trim());
        Assert.Equal("channel_occupied", page.QuerySelector("tr[data-channel='private-count-a'] [data-col=last]")!.TextContent.Trim().Split(' ')[0]);
        Assert.Equal(correctionsBefore, await console.QueryAsync(db => db.AuditEntries.CountAsync(a => a.Kind == AuditKinds.ReconcileCorrection && a.Channel!.StartsWith("private-count-"))));

        console.Api.RefusesSubscriptionCount = true;
        console.Api.Occupied = new() { ["private-count-a"] = null };
        var refused = await admin.PostFormAsync("/Channels/Reconcile", [], formPageUrl: "/Channels");
        console.Api.RefusesSubscriptionCount = false;

        Assert.Contains("1 correction(s) applied", await admin.GetStringAsync(refused.Headers.Location!.ToString()));
        var states = await console.QueryAsync(db => db.ChannelStates.Where(c => c.Channel.StartsWith("private-count-")).ToDictionaryAsync(c => c.Channel, c => (c.Occupied, c.SubscriptionCount)));
        Assert.Equal((true, 7L), states["private-count-a"]);
        Assert.Equal((false, 0L), states["private-count-b"]);
    }
}
