using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using AdminConsole.Channels;
using AdminConsole.Web.Tests.Compose;
using AdminConsole.Web.Tests.Infrastructure;

namespace AdminConsole.Web.Tests.Telemetry;

/// <summary>/metrics as a Prometheus scraper sees it: Admins only, and the console's own instruments move.</summary>
public class MetricsEndpointTests(PusherConsoleFactory console) : IClassFixture<PusherConsoleFactory>
{
    [Fact]
    public async Task Signed_out_callers_get_401_and_other_roles_403()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await console.CreateBrowserLikeClient().GetAsync("/metrics")).StatusCode);
        foreach (var user in new[] { DemoUser.Auditor, DemoUser.Teacher, DemoUser.Student })
            Assert.Equal(HttpStatusCode.Forbidden, (await (await console.SignInAsync(user)).GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task An_admin_scrape_shows_webhooks_auths_and_sends_moving()
    {
        var admin = await console.SignInAsync(DemoUser.Admin);
        Dictionary<string, double> after = [];
        string[] moving =
        [
            "adminconsole_webhooks_received_total",
            "adminconsole_webhooks_rejected_total{check=\"bad-signature\"}",
            "adminconsole_webhooks_commit_duration_seconds_count",
            "adminconsole_channel_auth_decisions_total{kind=\"channel.auth\",outcome=\"allowed\"}",
            "adminconsole_compose_sends_total{outcome=\"sent\"}",
            "adminconsole_pusher_api_duration_seconds_count",
            "http_server_request_duration_seconds_count",
        ];
        // A webhook, a refusal, an auth and a send, then a scrape that counts them. Repeated because test hosts share
        // one process: OpenTelemetry merges same-named meters across hosts, and a host disposed meanwhile (another test
        // class finishing) ends those streams, which in production, with one host per process, never happens.
        await Eventually.UntilAsync(async () =>
        {
            Assert.Equal(HttpStatusCode.OK, (await PostWebhookAsync(admin, signed: true)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await PostWebhookAsync(admin, signed: false)).StatusCode);
            var auth = await admin.PostAsync("/pusher/auth", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["socket_id"] = "123.456",
                ["channel_name"] = "private-class-1",
            }));
            Assert.Equal(HttpStatusCode.OK, auth.StatusCode);
            var send = await Trigger.PostAsync(admin, new { channel = "private-class-1", @event = "metrics-test", data = "{}" });
            Assert.Equal(HttpStatusCode.OK, send.StatusCode);
            after = await ScrapeAsync(admin);
            return moving.All(m => Sum(after, m) > 0);
        }, TimeSpan.FromSeconds(30), "every instrument to count the requests", pollEvery: TimeSpan.FromMilliseconds(400),
            describe: () => "still zero: " + string.Join(", ", moving.Where(m => Sum(after, m) <= 0)) + $"; {after.Count} samples");

        // Gauges are there whether or not they moved; the runtime's own instruments too.
        foreach (var present in new[] { "adminconsole_webhooks_queue_depth", "adminconsole_eventlog_lag", "dotnet_gc_collections_total" })
            Assert.True(after.Keys.Any(k => k.StartsWith(present, StringComparison.Ordinal)), present + " missing from the scrape");
    }

    private static async Task<HttpResponseMessage> PostWebhookAsync(HttpClient client, bool signed)
    {
        var body = new Webhook(Interlocked.Increment(ref s_time), [WebhookEvent.ChannelOccupied("metrics-" + Guid.NewGuid().ToString("N"))]).ToJson();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/pusher/webhook") { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-Pusher-Key", PusherConsoleFactory.Key);
        request.Headers.Add("X-Pusher-Signature", signed ? new WebhookSigner(PusherConsoleFactory.Secret).Sign(body) : new string('0', 64));
        return await client.SendAsync(request);
    }

    private static long s_time = 1_760_000_000_000;

    /// <summary>Sample name with labels (as printed) → value, from Prometheus' text format.</summary>
    private static async Task<Dictionary<string, double>> ScrapeAsync(HttpClient client)
    {
        var response = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var samples = new Dictionary<string, double>();
        foreach (var line in (await response.Content.ReadAsStringAsync()).Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var parts = line.Split(' ');
            if (parts.Length >= 2 && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                samples[parts[0]] = value;
        }
        return samples;
    }

    /// <summary>
    /// The total of every sample of <paramref name="metric"/> whose labels include the ones given
    /// (<c>name{a="1"}</c> matches <c>name{a="1",b="2"}</c>).
    /// </summary>
    private static double Sum(Dictionary<string, double> samples, string metric)
    {
        var brace = metric.IndexOf('{');
        var name = brace < 0 ? metric : metric[..brace];
        var labels = brace < 0 ? [] : metric[(brace + 1)..^1].Split(',');
        return samples.Where(s => (s.Key == name || s.Key.StartsWith(name + "{", StringComparison.Ordinal)) && labels.All(l => s.Key.Contains(l, StringComparison.Ordinal)))
            .Sum(s => s.Value);
    }
}
