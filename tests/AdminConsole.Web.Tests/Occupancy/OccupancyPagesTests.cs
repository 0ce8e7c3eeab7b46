using System.Net;
using AdminConsole.Channels;
using AdminConsole.Web.Classes;
using AdminConsole.Web.Tests.Infrastructure;
using AdminConsole.Web.Tests.Webhooks;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using WebhookPost = AdminConsole.Web.Tests.Webhooks.Webhook;

namespace AdminConsole.Web.Tests.Occupancy;

public abstract class OccupancyPagesTests<TFactory>(TFactory console) : IClassFixture<TFactory> where TFactory : WebhookConsole
{
    private static readonly HtmlParser Html = new();

    [Fact]
    public async Task Channels_page_lists_known_channels_and_filters_by_kind_and_prefix()
    {
        await PostAsync(WebhookEvent.ChannelOccupied("presence-filter-a"), WebhookEvent.ChannelOccupied("private-filter-b"), WebhookEvent.ChannelVacated("filter-c"));
        var admin = await console.SignInAsync(DemoUser.Admin);

        var all = await RowsAsync(admin, "/Channels?Filter.Prefix=&Filter.State=all");
        Assert.Contains("presence-filter-a", all);
        Assert.Contains("private-filter-b", all);
        Assert.Contains("filter-c", all);

        Assert.Equal(["presence-filter-a"], (await RowsAsync(admin, "/Channels?Filter.Kind=presence&Filter.Prefix=presence-filter")));
        Assert.Equal(["private-filter-b"], (await RowsAsync(admin, "/Channels?Filter.Prefix=private-filter")));
        var doc = Html.ParseDocument(await admin.GetStringAsync("/Channels?Filter.Prefix=private-filter"));
        Assert.Equal("occupied", doc.QuerySelector("tr[data-channel='private-filter-b'] [data-col=state]")!.TextContent.Trim());
    }

    [Fact]
    public async Task Vacated_channels_are_hidden_by_default_and_the_state_filter_shows_them()
    {
        await PostAsync(WebhookEvent.ChannelOccupied("state-open"), WebhookEvent.ChannelOccupied("state-closed"));
        await PostAsync(WebhookEvent.ChannelVacated("state-closed"));
        var auditor = await console.SignInAsync(DemoUser.Auditor);

        var page = Html.ParseDocument(await auditor.GetStringAsync("/Channels"));

        var shown = page.QuerySelectorAll("table[data-testid=channels] tbody tr").Select(tr => tr.GetAttribute("data-channel")).ToList();
        Assert.Contains("state-open", shown);
        Assert.DoesNotContain("state-closed", shown);
        Assert.Equal("occupied", page.QuerySelector("#Filter_State option[selected]")!.GetAttribute("value"));
        Assert.All(page.QuerySelectorAll("table[data-testid=channels] [data-col=state]"), td => Assert.Equal("occupied", td.TextContent.Trim()));
        Assert.Equal(["state-closed"], await RowsAsync(auditor, "/Channels?Filter.State=vacated&Filter.Prefix=state-"));
        Assert.Equal(["state-open", "state-closed"], await RowsAsync(auditor, "/Channels?Filter.State=all&Filter.Prefix=state-"));

        var bad = Html.ParseDocument(await auditor.GetStringAsync("/Channels?Filter.State=sideways"));
        Assert.Equal("Choose occupied, vacated or all.", bad.QuerySelector("[data-valmsg-for='Filter.State']")!.TextContent.Trim());
    }

    [Fact]
    public async Task Class_and_person_names_stand_beside_channel_names_and_known_subscription_counts_are_shown()
    {
        var sam = await console.QueryAsync(db => db.Users.Where(u => u.Email == DemoUser.Student.Email).Select(u => u.Id).SingleAsync());
        var physics = await console.QueryAsync(db => db.Classes.Where(c => c.Name == "Physics 7A").Select(c => c.Id).SingleAsync());
        await PostAsync(WebhookEvent.ChannelOccupied(ChannelNames.PrivateClass(physics)), WebhookEvent.ChannelOccupied(ChannelNames.PrivateUser(sam)),
            WebhookEvent.ChannelOccupied("private-user-nobody-knows"), WebhookEvent.ChannelOccupied("private-class-999999"),
            WebhookEvent.SubscriptionCountChanged(ChannelNames.PrivateClass(physics), 3));
        var admin = await console.SignInAsync(DemoUser.Admin);

        var page = Html.ParseDocument(await admin.GetStringAsync("/Channels"));

        string? Label(string channel) => page.QuerySelector($"tr[data-channel='{channel}'] [data-col=label]")?.TextContent.Trim();
        Assert.Equal("Physics 7A", Label(ChannelNames.PrivateClass(physics)));
        Assert.Equal("Sam Student", Label(ChannelNames.PrivateUser(sam)));
        Assert.Null(Label("private-user-nobody-knows"));
        Assert.Null(Label("private-class-999999"));
        Assert.Equal("3", page.QuerySelector($"tr[data-channel='{ChannelNames.PrivateClass(physics)}'] [data-col=subscriptions]")!.TextContent.Trim());
        var unknown = page.QuerySelector($"tr[data-channel='{ChannelNames.PrivateUser(sam)}'] [data-col=subscriptions] span")!;
        Assert.Contains("subscription counting", unknown.GetAttribute("title"));
    }

    [Fact]
    public async Task Channels_filter_rejects_an_impossible_prefix_with_a_message_and_keeps_it()
    {
        var admin = await console.SignInAsync(DemoUser.Admin);
        var html = await admin.GetStringAsync("/Channels?Filter.Prefix=" + Uri.EscapeDataString("bad prefix!"));
        var doc = Html.ParseDocument(html);
        Assert.Contains("only letters, digits", doc.QuerySelector("[data-valmsg-for='Filter.Prefix']")!.TextContent);
        Assert.Equal("bad prefix!", doc.QuerySelector("#Filter_Prefix")!.GetAttribute("value"));
    }

    [Fact]
    public async Task Channel_detail_shows_recent_events_and_presence_members_and_404s_for_unknown()
    {
        var studentId = await console.QueryAsync(db => db.Users.Where(u => u.Email == DemoUser.Student.Email).Select(u => u.Id).SingleAsync());
        await PostAsync(WebhookEvent.ChannelOccupied("presence-detail"), WebhookEvent.MemberAdded("presence-detail", studentId), WebhookEvent.MemberAdded("presence-detail", "external-7"));
        var auditor = await console.SignInAsync(DemoUser.Auditor);

        var doc = Html.ParseDocument(await auditor.GetStringAsync("/Channels/Detail?name=presence-detail"));

        var members = doc.QuerySelectorAll("[data-testid=members] li").Select(li => li.QuerySelector("span")!.TextContent).ToList();
        Assert.Equal(new[] { "Sam Student", "external-7" }.Order(), members.Order());
        Assert.Equal(3, doc.QuerySelectorAll("[data-testid=events] tbody tr").Length);
        Assert.Equal(HttpStatusCode.NotFound, (await auditor.GetAsync("/Channels/Detail?name=never-seen")).StatusCode);
    }

    [Fact]
    public async Task Channel_detail_lists_its_own_events_of_deliveries_that_also_carried_other_channels_newest_first()
    {
        await PostAsync(WebhookEvent.ChannelOccupied("detail-a"), WebhookEvent.ChannelOccupied("detail-b"));
        await PostAsync(WebhookEvent.ChannelVacated("detail-b"), WebhookEvent.ChannelVacated("detail-a"), WebhookEvent.ChannelOccupied("detail-b"));
        var auditor = await console.SignInAsync(DemoUser.Auditor);

        string[] Names(AngleSharp.Html.Dom.IHtmlDocument doc) =>
            doc.QuerySelectorAll("[data-testid=events] tbody tr").Select(tr => tr.QuerySelectorAll("td")[2].TextContent).ToArray();
        Assert.Equal(["channel_vacated", "channel_occupied"], Names(Html.ParseDocument(await auditor.GetStringAsync("/Channels/Detail?name=detail-a"))));
        Assert.Equal(["channel_occupied", "channel_vacated", "channel_occupied"], Names(Html.ParseDocument(await auditor.GetStringAsync("/Channels/Detail?name=detail-b"))));
    }

    [Fact]
    public async Task Teacher_presence_page_shows_only_the_classes_they_teach()
    {
        var (physics, history) = await console.QueryAsync(async db => (
            (await db.Classes.SingleAsync(c => c.Name == "Physics 7A")).Id, (await db.Classes.SingleAsync(c => c.Name == "History 8B")).Id));
        var zoe = await console.QueryAsync(db => db.Users.Where(u => u.Email == DemoUser.OtherStudent.Email).Select(u => u.Id).SingleAsync());
        await PostAsync(WebhookEvent.MemberAdded(ChannelNames.PresenceClass(history), zoe), WebhookEvent.MemberAdded("presence-teacher", "t-9"));
        var teacher = await console.SignInAsync(DemoUser.Teacher);

        var html = await teacher.GetStringAsync("/Presence");

        var doc = Html.ParseDocument(html);
        Assert.Equal([ChannelNames.PresenceClass(physics)], doc.QuerySelectorAll("[data-presence-channel]").Select(e => e.GetAttribute("data-presence-channel")));
        Assert.DoesNotContain("Zoë", html);
        Assert.DoesNotContain("History 8B", html);
        Assert.DoesNotContain("presence-teacher", html);
    }

    [Fact]
    public async Task Admin_presence_page_shows_every_presence_channel_including_role_channels()
    {
        await PostAsync(WebhookEvent.MemberAdded("presence-teacher", "t-1"), WebhookEvent.MemberAdded("presence-adhoc-room", "x-1"));
        var admin = await console.SignInAsync(DemoUser.Admin);

        var doc = Html.ParseDocument(await admin.GetStringAsync("/Presence"));

        var channels = doc.QuerySelectorAll("[data-presence-channel]").Select(e => e.GetAttribute("data-presence-channel")).ToList();
        Assert.Contains("presence-teacher", channels);
        Assert.Contains("presence-admin", channels);
        Assert.Contains("presence-adhoc-room", channels);
        Assert.Contains(channels, c => c!.StartsWith("presence-class-"));
        // presence-teacher is shared with the teacher's test in this class (which may run first); the ad-hoc room is this test's own.
        Assert.Equal("1", doc.QuerySelector("[data-presence-channel='presence-adhoc-room'] [data-count]")!.TextContent);
    }

    [Fact]
    public async Task Dashboard_shows_figures_and_hides_the_setup_help_once_webhooks_arrive()
    {
        await PostAsync(WebhookEvent.ChannelOccupied("dashboard-ch"));
        var admin = await console.SignInAsync(DemoUser.Admin);

        var doc = Html.ParseDocument(await admin.GetStringAsync("/"));

        Assert.True(int.Parse(doc.QuerySelector("[data-figure=occupiedChannels]")!.TextContent) >= 1);
        Assert.True(int.Parse(doc.QuerySelector("[data-figure=webhookEventsToday]")!.TextContent) >= 1);
        Assert.NotNull(doc.QuerySelector("[data-figure=lastWebhookMs] time"));
        Assert.Contains("d-none", doc.QuerySelector("[data-testid=webhook-empty-state]")!.ClassName);
        Assert.NotNull(doc.QuerySelector("#activity-charts"));
    }

    private async Task PostAsync(params WebhookEvent[] events) =>
        Assert.Equal(HttpStatusCode.OK, (await WebhookPost.PostAsync(console.CreateClient(), WebhookPost.Body(events))).StatusCode);

    private static async Task<List<string>> RowsAsync(HttpClient client, string url)
    {
        var doc = Html.ParseDocument(await client.GetStringAsync(url));
        return doc.QuerySelectorAll("table[data-testid=channels] tbody tr").Select(tr => tr.GetAttribute("data-channel")!).ToList();
    }
}

/// <summary>A fresh database: nothing has arrived, so the dashboard explains how to connect Pusher.</summary>
public class EmptyDashboardTests(ConsoleFactory console) : IClassFixture<ConsoleFactory>
{
    [Fact]
    public async Task Dashboard_without_webhooks_explains_where_to_point_pusher()
    {
        var admin = await console.SignInAsync(DemoUser.Admin);
        var doc = new HtmlParser().ParseDocument(await admin.GetStringAsync("/"));

        var help = doc.QuerySelector("[data-testid=webhook-empty-state]")!;
        Assert.DoesNotContain("d-none", help.ClassName);
        Assert.EndsWith("/pusher/webhook", doc.QuerySelector("[data-testid=webhook-url]")!.TextContent);
        Assert.Contains("Channel existence", help.TextContent);
        Assert.Contains("Presence", help.TextContent);
        Assert.Contains("Client events", help.TextContent);
        Assert.Equal("never", doc.QuerySelector("[data-figure=lastWebhookMs]")!.TextContent.Trim());
    }
}

public sealed class OccupancyPagesTests(WebhookConsole console) : OccupancyPagesTests<WebhookConsole>(console);

public sealed class OccupancyPagesTestsOnPostgres(WebhookConsole.OnPostgres console) : OccupancyPagesTests<WebhookConsole.OnPostgres>(console);
