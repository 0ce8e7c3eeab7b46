using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AdminConsole.Channels;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace AdminConsole.Benchmarks;

/// <summary>
/// Webhook → live page latency: <c>--pages</c> SignalR clients (an admin's Channels page each) connected to the
/// console's hub, webhooks posted at <c>--rate</c> events/s (open loop, <c>--batch</c> events per body, each event a
/// channel_occupied of a channel never seen before), and for every (page, event) the time from the moment the webhook's
/// POST was due to the moment that page had the channel's new row (<c>ChannelsChanged</c>). With <c>--instances 2</c>
/// (PostgreSQL and the Redis server named by ADMINCONSOLE_TEST_REDIS, see tests/redis.sh) the pages are connected to the
/// second console and the webhooks posted to the first, so every update crosses the Redis backplane.
/// </summary>
public static partial class LiveLatencyScenario
{
    public const string Usage =
        "  live [--pages 50] [--rate 1000] [--batch 10] [--seconds 20] [--warmup 10] [--provider sqlite|postgres [--instances 2]] [--console <AdminConsole.Web.dll>]";

    private const string Key = "bench-key", Secret = "bench-secret";
    private const string Email = "latency@bench.test", Password = "Latency-bench-pw-2026";

    public static async Task<int> RunAsync(BenchArgs args)
    {
        var pages = args.Int("pages", 50);
        var rate = args.Double("rate", 1000);
        var batch = args.Int("batch", 10);
        var seconds = args.Double("seconds", 20);
        var warmup = args.Double("warmup", 10);
        var instances = args.Int("instances", 1);
        var postgresWanted = args.Get("provider") is "postgres";
        if (instances > 1 && !postgresWanted)
            throw new ArgumentException("--instances needs --provider postgres: SQLite is one console's file.");
        var dll = args.Get("console") ?? Path.GetFullPath(Path.Combine(RepositoryRoot.Path, "src/AdminConsole.Web/bin/Release/net10.0/AdminConsole.Web.dll"));

        using var postgres = postgresWanted ? TestPostgres.CreateDatabase("benchlive") : null;
        var folder = Directory.CreateTempSubdirectory("adminconsole-live-").FullName;
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        if (postgres is not null)
        {
            settings["Database__Provider"] = "Postgres";
            settings["ConnectionStrings__Console"] = postgres.ConnectionString;
        }
        else
        {
            settings["ConnectionStrings__Console"] = $"Data Source={Path.Combine(folder, "console.db")}";
        }
        if (instances > 1)
            settings["Redis__Configuration"] = Environment.GetEnvironmentVariable("ADMINCONSOLE_TEST_REDIS")
                ?? throw new InvalidOperationException("ADMINCONSOLE_TEST_REDIS is not set: start a server with `bash tests/redis.sh` and export the line it prints.");

        // The admin whose pages listen, created the way an operator would (migrates the database first).
        var create = await ConsoleProcess.RunAsync(dll, ["create-admin", "--email", Email, "--name", "Latency Bench"],
            new Dictionary<string, string>(settings) { ["ADMINCONSOLE_ADMIN_PASSWORD"] = Password, ["ASPNETCORE_ENVIRONMENT"] = "Production" },
            TimeSpan.FromMinutes(2));
        if (create.ExitCode != 0)
            throw new InvalidOperationException("create-admin failed: " + create.Error);

        var consoles = new List<ConsoleProcess>();
        try
        {
            var databasePath = postgres is null ? Path.Combine(folder, "console.db") : null;
            for (var i = 0; i < instances; i++)
                consoles.Add(await ConsoleProcess.StartAsync(dll, Key, Secret, databasePath: databasePath, settings: settings));
            var webhookTarget = consoles[0];
            var pageTarget = consoles[^1];
            Console.WriteLine($"live: {pages} pages on {pageTarget.Url}, webhooks to {webhookTarget.Url} ({(postgres is null ? "SQLite" : "PostgreSQL")}" +
                              $"{(instances > 1 ? ", Redis backplane" : "")}), {rate:0} events/s in bodies of {batch}, load average {Measure.LoadAverage()} at start");

            var cookie = await SignInAsync(pageTarget.Url);
            var sent = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
            var latencies = new ConcurrentBag<double>();
            var recording = false;
            var connections = new List<HubConnection>();
            for (var i = 0; i < pages; i++)
            {
                // A channel's row can come twice (a later flush still names it); the page has it from the first.
                var seen = new HashSet<string>(StringComparer.Ordinal);
                connections.Add(await ConnectAsync(pageTarget.Url, cookie, channels =>
                {
                    var now = Stopwatch.GetTimestamp();
                    lock (seen)
                        foreach (var row in channels.EnumerateArray())
                            if (row.TryGetProperty("channel", out var name) && sent.TryGetValue(name.GetString()!, out var due)
                                && Volatile.Read(ref recording) && seen.Add(name.GetString()!))
                                latencies.Add(Stopwatch.GetElapsedTime(due, now).TotalMilliseconds);
                }));
            }

            using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { BaseAddress = new Uri(webhookTarget.Url) };
            var signer = new WebhookSigner(Secret);
            var prefix = $"lat-{Environment.ProcessId}-";
            var sequence = 0L;

            // Only the measured phase's channels are timed: the warm-up's may still arrive after it.
            async Task<(int Posted, int Failed)> PostPacedAsync(TimeSpan duration, bool timed)
            {
                var requestsPerSecond = rate / batch;
                var start = Stopwatch.GetTimestamp();
                var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
                var posted = 0;
                var failed = 0;
                var inFlight = new List<Task>();
                for (long n = 0; ; n++)
                {
                    // Open loop: request n is due at start + n / rate, and latency counts from then.
                    var due = start + (long)(n / requestsPerSecond * Stopwatch.Frequency);
                    if (due >= end) break;
                    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                    if (wait > TimeSpan.Zero) await Task.Delay(wait);
                    var names = Enumerable.Range(0, batch).Select(_ => prefix + Interlocked.Increment(ref sequence)).ToArray();
                    if (timed)
                        foreach (var name in names) sent[name] = due;
                    inFlight.Add(PostAsync(http, signer, names).ContinueWith(t =>
                    {
                        if (t.IsCompletedSuccessfully && t.Result) Interlocked.Increment(ref posted);
                        else Interlocked.Increment(ref failed);
                    }, TaskScheduler.Default));
                }
                await Task.WhenAll(inFlight);
                return (posted, failed);
            }

            await PostPacedAsync(TimeSpan.FromSeconds(warmup), timed: false);
            Volatile.Write(ref recording, true);
            var expected = 0L;
            var before = sequence;
            var cpuBefore = consoles.Sum(c => ConsoleProcess.CpuTime(c.Pid).TotalSeconds);
            var (ok, failures) = await PostPacedAsync(TimeSpan.FromSeconds(seconds), timed: true);
            expected = (sequence - before) * pages;
            // Every page must have every measured channel's row: wait for the stragglers (bounded), then report.
            var waited = Stopwatch.StartNew();
            while (latencies.Count < expected && waited.Elapsed < TimeSpan.FromSeconds(30))
                await Task.Delay(50);
            Volatile.Write(ref recording, false);
            var cpu = consoles.Sum(c => ConsoleProcess.CpuTime(c.Pid).TotalSeconds) - cpuBefore;

            var sorted = latencies.ToList();
            sorted.Sort();
            Console.WriteLine($"webhooks      {ok} bodies acknowledged, {failures} failed, {(sequence - before):N0} events in {seconds:0.#} s");
            Console.WriteLine($"updates       {sorted.Count:N0} of {expected:N0} (page, event) updates arrived{(sorted.Count < expected ? " — SOME MISSING" : "")}");
            if (sorted.Count > 0)
                Console.WriteLine($"latency       p50 {Measure.Percentile(sorted, 0.50):0.0} ms, p90 {Measure.Percentile(sorted, 0.90):0.0} ms, p99 {Measure.Percentile(sorted, 0.99):0.0} ms, max {sorted[^1]:0.0} ms (webhook POST due → page has the row)");
            Console.WriteLine($"cpu           consoles {cpu:0.00} s in {seconds:0.#} s; peak memory {string.Join(" + ", consoles.Select(c => $"{c.PeakMemoryMb():N0}"))} MB; load average {Measure.LoadAverage()} at the end");
            foreach (var c in connections) await c.DisposeAsync();
            return failures == 0 && sorted.Count >= expected ? 0 : 1;
        }
        finally
        {
            foreach (var c in consoles) await c.DisposeAsync();
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task<bool> PostAsync(HttpClient http, WebhookSigner signer, string[] channels)
    {
        var sb = new StringBuilder("{\"time_ms\":").Append(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()).Append(",\"events\":[");
        for (var i = 0; i < channels.Length; i++)
            sb.Append(i > 0 ? "," : "").Append("{\"name\":\"channel_occupied\",\"channel\":\"").Append(channels[i]).Append("\"}");
        var body = Encoding.UTF8.GetBytes(sb.Append("]}").ToString());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/pusher/webhook") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("X-Pusher-Key", Key);
        request.Headers.Add("X-Pusher-Signature", signer.Sign(body));
        try
        {
            using var response = await http.SendAsync(request);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>Signs in through the sign-in form, as a browser does; returns the cookie header for the hub.</summary>
    private static async Task<string> SignInAsync(string url)
    {
        var jar = new CookieContainer();
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = jar, AllowAutoRedirect = false }) { BaseAddress = new Uri(url) };
        var form = await client.GetStringAsync("/Identity/Account/Login");
        var token = WebUtility.HtmlDecode(TokenInput().Match(form).Groups[1].Value);
        var response = await client.PostAsync("/Identity/Account/Login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.Email"] = Email,
            ["Input.Password"] = Password,
            ["Input.RememberMe"] = "false",
            ["__RequestVerificationToken"] = token,
        }));
        if (response.StatusCode != HttpStatusCode.Redirect)
            throw new InvalidOperationException($"Sign-in failed: {(int)response.StatusCode}");
        return jar.GetCookieHeader(new Uri(url));
    }

    private static async Task<HubConnection> ConnectAsync(string url, string cookie, Action<JsonElement> channelsChanged)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(new Uri(url), "/hubs/console"), o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.Headers["Cookie"] = cookie;
            })
            .Build();
        var joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On("Joined", () => joined.TrySetResult());
        connection.On<JsonElement>("ChannelsChanged", channelsChanged);
        await connection.StartAsync();
        // Joined: the hub has put this connection in its groups, so nothing published from now on is missed.
        await joined.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return connection;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenInput();
}
