using System.Net;
using AdminConsole.Web.Tests.Infrastructure;
using AngleSharp.Html.Parser;

namespace AdminConsole.Web.Tests.EventLog;

public class EventLogAccessTests(ConsoleFactory factory) : IClassFixture<ConsoleFactory>
{
    public static TheoryData<string> LogUrls => ["/EventLog", "/EventLog/Entry/1", "/EventLog/export.csv", "/EventLog/export.jsonl", "/EventLog/activity?range=hour", "/EventLog?handler=Verify"];

    public static TheoryData<DemoUser, string> Forbidden()
    {
        var data = new TheoryData<DemoUser, string>();
        foreach (var user in new[] { DemoUser.Teacher, DemoUser.Student })
            foreach (var url in LogUrls)
                data.Add(user, url);
        return data;
    }

    [Theory]
    [MemberData(nameof(Forbidden))]
    public async Task Teachers_and_students_get_403_on_the_log_and_its_export(DemoUser user, string url)
    {
        await factory.WriteAsync(1);
        var client = await factory.SignInAsync(user);
        var response = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain("time_utc", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [MemberData(nameof(LogUrls))]
    public async Task Anonymous_visitors_are_sent_to_sign_in_or_refused(string url)
    {
        var response = await factory.CreateBrowserLikeClient().GetAsync(url);
        Assert.True(response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Unauthorized, $"{url}: {(int)response.StatusCode}");
        if (response.StatusCode == HttpStatusCode.Redirect)
            Assert.StartsWith("/Identity/Account/Login", response.Headers.Location!.PathAndQuery);
    }

    [Theory]
    [MemberData(nameof(LogUrls))]
    public async Task Auditors_and_admins_can_read_the_log_and_export_it(string url)
    {
        await factory.WriteAsync(1);
        foreach (var user in new[] { DemoUser.Auditor, DemoUser.Admin })
        {
            var client = await factory.SignInAsync(user);
            var response = await client.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task Auditor_sees_no_write_action_anywhere_in_the_console()
    {
        await factory.WriteAsync(3);
        var client = await factory.SignInAsync(DemoUser.Auditor);
        var parser = new HtmlParser();
        var home = await parser.ParseDocumentAsync(await client.GetStringAsync("/"));
        var pages = home.QuerySelectorAll("[data-testid=nav] a.nav-link").Select(a => a.GetAttribute("href")!).ToList();
        Assert.Contains("/EventLog", pages);
        pages.AddRange(["/EventLog?handler=Verify", "/EventLog/Entry/1"]);

        foreach (var url in pages)
        {
            var doc = await parser.ParseDocumentAsync(await client.GetStringAsync(url));
            // The only form that posts is signing out; no buttons posting elsewhere, no JSON write calls.
            var posting = doc.QuerySelectorAll("form")
                .Where(f => string.Equals(f.GetAttribute("method"), "post", StringComparison.OrdinalIgnoreCase))
                .Select(f => f.GetAttribute("action") ?? url)
                .Where(action => !action.StartsWith("/Identity/Account/Logout", StringComparison.Ordinal))
                .ToList();
            Assert.True(posting.Count == 0, $"{url} offers an auditor write actions: {string.Join(", ", posting)}");
            Assert.Empty(doc.QuerySelectorAll("[formmethod=post], [data-write-action]"));
        }
    }
}
