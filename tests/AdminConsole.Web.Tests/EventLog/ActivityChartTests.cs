using System.Net;
using System.Net.Http.Json;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Tests.EventLog;

public class ActivityChartTests : IDisposable
{
    private readonly ConsoleFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private async Task<ActivityChartData> ChartAsync(string range)
    {
        var client = await _factory.SignInAsync(DemoUser.Auditor);
        var data = await client.GetFromJsonAsync<ActivityChartData>($"/EventLog/activity?range={range}", System.Text.Json.JsonSerializerOptions.Web);
        return data!;
    }

    private async Task WriteWebhooksAsync()
    {
        await _factory.WriteAsync(6, i => i switch
        {
            < 3 => (AuditKinds.WebhookEvent, $"private-class-{i}", "channel_occupied", "accepted", "{}"),
            3 => (AuditKinds.WebhookEvent, "private-class-0", "channel_vacated", "accepted", "{}"),
            4 => (AuditKinds.WebhookEvent, "private-class-1", "channel_occupied", "duplicate", "{}"),
            _ => (AuditKinds.WebhookEvent, "presence-class-1", "member_added", "accepted", "{}"),
        }, Actor.Pusher);
        await _factory.WriteAsync(2, _ => (AuditKinds.EventSent, "private-class-1", "announcement", "success", "{}"));
    }

    [Theory]
    [InlineData("hour", 1, 60)]
    [InlineData("day", 15, 96)]
    [InlineData("week", 120, 84)]
    public async Task Charts_count_entries_per_minute_by_kind_and_occupied_channels(string range, int bucketMinutes, int buckets)
    {
        await WriteWebhooksAsync();
        var chart = await ChartAsync(range);

        Assert.Equal(bucketMinutes, chart.BucketMinutes);
        Assert.Equal(buckets, chart.Buckets.Length);
        double Total(string kind) => chart.Kinds.Single(k => k.Kind == kind).PerMinute.Sum() * bucketMinutes;
        Assert.Equal(6, Total(AuditKinds.WebhookEvent), 1);
        Assert.Equal(2, Total(AuditKinds.EventSent), 1);
        Assert.DoesNotContain(chart.Kinds, k => k.Kind == ActivityMinute.OccupancySeries);
        // 3 occupied - 1 vacated; the duplicate delivery does not count twice.
        Assert.Equal(2, chart.OccupiedChannels[^1]);
        Assert.NotNull(chart.LastActivityUtc);
    }

    [Fact]
    public async Task Charts_read_the_per_minute_aggregates_written_with_the_entries_not_the_log()
    {
        await WriteWebhooksAsync();
        var counted = await _factory.WithDbAsync(db => db.ActivityMinutes.Where(m => m.Kind == AuditKinds.WebhookEvent).SumAsync(m => m.Count));
        Assert.Equal(6, counted);

        // Empty the log behind the console's back: the aggregates, and so the charts, are unchanged.
        await _factory.TamperAsync("DELETE FROM AuditEntries");
        var chart = await ChartAsync("hour");
        Assert.Equal(6, chart.Kinds.Single(k => k.Kind == AuditKinds.WebhookEvent).PerMinute.Sum(), 1);
    }

    [Fact]
    public async Task Unknown_range_is_a_validation_problem()
    {
        var client = await _factory.SignInAsync(DemoUser.Admin);
        var response = await client.GetAsync("/EventLog/activity?range=year");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task The_log_page_and_the_partial_render_the_chart_for_auditors()
    {
        var client = await _factory.SignInAsync(DemoUser.Auditor);
        var html = await client.GetStringAsync("/EventLog");
        Assert.Contains("data-activity-chart=\"/EventLog/activity\"", html);
        // Static assets may be fingerprinted (chart.umd.min.{hash}.js), so match the stable part of the path.
        Assert.Matches("src=\"/lib/chart.js/dist/chart.umd.min[^\"]*.js\"", html);
        Assert.Matches("src=\"/js/activity-chart[^\"]*.js", html);
    }
}

public abstract class DashboardChartTests<TFactory>(TFactory factory) : IClassFixture<TFactory> where TFactory : ConsoleFactory
{
    [Theory]
    [InlineData("admin@school.test", "Admin-demo-123", true)]
    [InlineData("auditor@school.test", "Auditor-demo-123", true)]
    public async Task Dashboard_includes_the_activity_chart_for_those_who_may_read_the_log(string email, string password, bool shown)
    {
        var client = await factory.SignInAsync(email, password);
        var html = await client.GetStringAsync("/");
        Assert.Contains("data-testid=\"activity-charts\"", html);
        Assert.Equal(shown, html.Contains("data-activity-chart=\"/EventLog/activity\""));
    }
}

public sealed class DashboardChartTests(ConsoleFactory factory) : DashboardChartTests<ConsoleFactory>(factory);

public sealed class DashboardChartTestsOnPostgres(ConsoleFactory.OnPostgres factory) : DashboardChartTests<ConsoleFactory.OnPostgres>(factory);
