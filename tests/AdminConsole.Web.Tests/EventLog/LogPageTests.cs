using System.Net;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Tests.Infrastructure;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminConsole.Web.Tests.EventLog;

public class LogPageFixture : ConsoleFactory, IAsyncLifetime
{
    /// <summary>The same log on PostgreSQL.</summary>
    public new sealed class OnPostgres : LogPageFixture
    {
        public override DatabaseProvider Provider => DatabaseProvider.Postgres;
    }

    public static readonly DateTime Base = new(2026, 3, 2, 8, 0, 0, DateTimeKind.Utc);
    private static readonly string[] Kinds = [AuditKinds.EventSent, AuditKinds.ChannelAuth, AuditKinds.WebhookEvent, AuditKinds.SignIn];
    private static readonly string?[] Channels = ["private-class-1", "private-class-2", "presence-class-1", "public", null, "private-class-10"];
    private static readonly string[] Actors = ["teacher@school.test", "admin@school.test", "Pusher"];
    private static readonly string?[] Events = ["announcement", "quiz", null, "member_added"];
    private static readonly string?[] Outcomes = ["success", "refused", "accepted", null, "rejected"];

    public async Task InitializeAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        for (var i = 0; i < 240; i++)
        {
            db.AuditEntries.Add(new AuditEntry
            {
                TimeUtc = Base.AddMinutes(i),
                Kind = Kinds[i % Kinds.Length],
                ActorName = Actors[i % Actors.Length],
                Channel = Channels[i % Channels.Length],
                EventName = Events[i % Events.Length],
                Outcome = Outcomes[i % Outcomes.Length],
                Data = $$"""{"text":"Needle-{{i % 7}} 100%_done","i":{{i}}}""",
            });
        }
        await db.SaveChangesAsync();
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;
}

public abstract class LogPageTests<TFactory>(TFactory factory) : IClassFixture<TFactory> where TFactory : LogPageFixture
{
    private static readonly HtmlParser Parser = new();

    internal static async Task<IHtmlDocument> GetPageAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Parser.ParseDocumentAsync(await response.Content.ReadAsStringAsync());
    }

    internal static List<long> RowIds(IHtmlDocument doc) =>
        doc.QuerySelectorAll("tr[data-testid=log-row]").Select(r => long.Parse(r.GetAttribute("data-id")!)).ToList();

    /// <summary>Every matching entry, following the "Older" links from the first page.</summary>
    private static async Task<List<long>> AllPagesAsync(HttpClient client, string url, Func<Task>? betweenPages = null)
    {
        var ids = new List<long>();
        string? next = url;
        while (next is not null)
        {
            var doc = await GetPageAsync(client, next);
            ids.AddRange(RowIds(doc));
            next = doc.QuerySelector("a[data-testid=older]")?.GetAttribute("href");
            if (next is not null && betweenPages is not null) await betweenPages();
        }
        return ids;
    }

    private Task<List<long>> ExpectedAsync(EventLogFilter filter) => factory.WithDbAsync(async db =>
        (await db.AuditEntries.AsNoTracking().ToListAsync()).Where(filter.Normalized().Matches).OrderByDescending(e => e.Id).Select(e => e.Id).ToList());

    public static TheoryData<string, EventLogFilter> Filters => new()
    {
        { "kind=event.sent", new() { Kind = AuditKinds.EventSent } },
        { "channel=private-class-1", new() { Channel = "private-class-1" } },
        { "channel=private-class-*", new() { Channel = "private-class-*" } },
        { "channel=presence-*", new() { Channel = "presence-*" } },
        { "user=Pusher", new() { User = "Pusher" } },
        { "user=TEACHER (part of the email, any case)", new() { User = "teacher" } },
        { "hide=machine", new() { Hide = "machine" } },
        { "hide=machine&channel=private-class", new() { Hide = "machine", Channel = "private-class" } },
        { "event=quiz", new() { Event = "quiz" } },
        { "outcome=refused", new() { Outcome = "refused" } },
        { "from=2026-03-02T09:00&to=2026-03-02T10:30", new() { From = "2026-03-02T09:00", To = "2026-03-02T10:30" } },
        { "q=needle-3", new() { Q = "needle-3" } },
        { "q=100%25_", new() { Q = "100%_" } },
        { "kind=channel.auth&channel=private-class-*&outcome=refused", new() { Kind = AuditKinds.ChannelAuth, Channel = "private-class-*", Outcome = "refused" } },
        { "channel=private-class-*&from=2026-03-02T08:30&to=2026-03-02T11:00", new() { Channel = "private-class-*", From = "2026-03-02T08:30", To = "2026-03-02T11:00" } },
        { "user=teacher@school.test&event=announcement&q=needle-1", new() { User = "teacher@school.test", Event = "announcement", Q = "needle-1" } },
        { "kind=webhook.event&user=Pusher&channel=presence-class-1&from=2026-03-02T08:00", new() { Kind = AuditKinds.WebhookEvent, User = "Pusher", Channel = "presence-class-1", From = "2026-03-02T08:00" } },
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task Filter_shows_exactly_the_matching_entries_newest_first(string query, EventLogFilter filter)
    {
        var client = await factory.SignInAsync(DemoUser.Auditor);
        var expected = await ExpectedAsync(filter);
        Assert.NotEmpty(expected);
        Assert.Equal(expected, await AllPagesAsync(client, "/EventLog?" + query.Split(' ')[0]));
    }

    [Fact]
    public async Task Channel_filter_is_a_prefix_with_or_without_a_star()
    {
        var client = await factory.SignInAsync(DemoUser.Auditor);
        var typed = await AllPagesAsync(client, "/EventLog?channel=private-class-1");
        var starred = await AllPagesAsync(client, "/EventLog?channel=private-class-1*");
        Assert.Equal(await ExpectedAsync(new() { Channel = "private-class-1*" }), typed);
        Assert.Equal(typed, starred);
        Assert.Equal(80, typed.Count); // private-class-1 and private-class-10, 40 each
        var doc = await GetPageAsync(client, "/EventLog?channel=private-class-1");
        var channels = doc.QuerySelectorAll("tr[data-testid=log-row] td[data-col=channel]").Select(c => c.GetAttribute("data-channel")).Distinct().Order().ToList();
        Assert.Equal(["private-class-1", "private-class-10"], channels); // not private-class-2, which merely sorts nearby
    }

    [Theory]
    [InlineData("private-class-1")]
    [InlineData("private-class")]
    [InlineData("presence-")]
    [InlineData("pub")]
    [InlineData("nothing-like-this")]
    public async Task A_channel_prefix_reads_the_same_entries_by_either_plan(string prefix)
    {
        // EventLogQuery picks the plan from the prefix's size; both must give the filter's entries, newest first.
        var filter = new EventLogFilter { Channel = prefix }.Normalized();
        var expected = await ExpectedAsync(filter);
        foreach (var common in new[] { true, false })
        {
            var ids = await factory.WithDbAsync(db => filter.Apply(db.AuditEntries.AsNoTracking(), common).OrderByDescending(e => e.Id).Select(e => e.Id).ToListAsync());
            Assert.Equal(expected, ids);
        }
    }

    [Fact]
    public async Task Pagination_returns_every_entry_exactly_once_while_entries_arrive()
    {
        var client = await factory.SignInAsync(DemoUser.Admin);
        await factory.WriteAsync(130, i => (AuditKinds.EventSent, "private-class-77", "page", "success", $"{{\"n\":{i}}}"));
        var before = await ExpectedAsync(new() { Channel = "private-class-77" });
        Assert.Equal(130, before.Count);

        var arrived = 0;
        var seen = await AllPagesAsync(client, "/EventLog?channel=private-class-77", async () =>
        {
            arrived += 7;
            await factory.WriteAsync(7, i => (AuditKinds.EventSent, "private-class-77", "page", "success", "{\"late\":true}"));
        });

        Assert.Equal(before, seen); // every entry that existed, once each, in order; newcomers sit above page one
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(14, arrived); // three pages: new entries arrived before the second and the third
        var firstPageNow = RowIds(await GetPageAsync(client, "/EventLog?channel=private-class-77"));
        Assert.True(firstPageNow.Take(14).All(id => id > before[0]), "new entries lead the first page");
    }

    [Fact]
    public async Task Newer_link_goes_back_to_the_previous_page()
    {
        var client = await factory.SignInAsync(DemoUser.Auditor);
        var first = await GetPageAsync(client, "/EventLog?kind=event.sent");
        var second = await GetPageAsync(client, first.QuerySelector("a[data-testid=older]")!.GetAttribute("href")!);
        var back = await GetPageAsync(client, second.QuerySelector("a[data-testid=newer]")!.GetAttribute("href")!);
        Assert.Equal(RowIds(first), RowIds(back));
        Assert.Empty(RowIds(first).Intersect(RowIds(second)));
    }

    [Fact]
    public async Task A_row_expands_to_its_pretty_printed_payload_and_links_to_its_permalink()
    {
        var client = await factory.SignInAsync(DemoUser.Auditor);
        var doc = await GetPageAsync(client, "/EventLog?q=needle-5");
        var row = doc.QuerySelector("tr[data-testid=log-row]")!;
        var id = row.GetAttribute("data-id");
        var payload = doc.QuerySelector($"#payload-{id} pre")!.TextContent;
        Assert.Contains("{\n  \"text\": \"Needle-5 100%_done\",\n  \"i\": ", payload.Replace("\r", ""));
        Assert.Equal($"/EventLog/Entry/{id}", row.QuerySelector("a[data-testid=permalink]")!.GetAttribute("href"));

        var entry = await GetPageAsync(client, $"/EventLog/Entry/{id}");
        Assert.Contains("Needle-5", entry.QuerySelector("[data-testid=payload]")!.TextContent);
        Assert.Equal(64, entry.QuerySelector("[data-testid=hash]")!.TextContent.Trim().Length);
    }

    [Fact]
    public async Task Unknown_entry_permalink_is_404()
    {
        var client = await factory.SignInAsync(DemoUser.Auditor);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/EventLog/Entry/987654321")).StatusCode);
    }

    [Fact]
    public async Task Invalid_time_range_shows_a_message_and_keeps_the_input()
    {
        var client = await factory.SignInAsync(DemoUser.Auditor);
        var doc = await GetPageAsync(client, "/EventLog?from=yesterday&channel=public");
        Assert.Contains("From is not a date and time (UTC).", doc.QuerySelector("[data-testid=filter]")!.TextContent);
        Assert.Equal("public", ((IHtmlInputElement)doc.QuerySelector("#channel")!).Value);
        Assert.Equal("yesterday", ((IHtmlInputElement)doc.QuerySelector("#from")!).Value);
        Assert.Empty(RowIds(doc));
    }

    [Fact]
    public async Task Payloads_are_html_encoded()
    {
        var client = await factory.SignInAsync(DemoUser.Auditor);
        await factory.WriteAsync(1, _ => (AuditKinds.WebhookEvent, "public", "client-xss", "accepted", "<script>alert(1)</script>"));
        var html = await client.GetStringAsync("/EventLog?event=client-xss");
        Assert.DoesNotContain("<script>alert(1)</script>", html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
    }

    [Fact]
    public async Task Verify_integrity_reports_the_intact_chain_on_the_page()
    {
        var client = await factory.SignInAsync(DemoUser.Auditor);
        var doc = await GetPageAsync(client, "/EventLog?handler=Verify");
        var verdict = doc.QuerySelector("[data-testid=verdict]")!.TextContent;
        Assert.Contains("Integrity verified.", verdict);
        Assert.Contains("Intact up to entry", verdict);
    }
}

public sealed class LogPageTests(LogPageFixture factory) : LogPageTests<LogPageFixture>(factory);

public sealed class LogPageTestsOnPostgres(LogPageFixture.OnPostgres factory) : LogPageTests<LogPageFixture.OnPostgres>(factory);
