using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using AdminConsole.Channels;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Webhooks;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Tests.Webhooks;

/// <summary>
/// A 200 promises the webhook is stored. The console runs as its own process on real Kestrel (so it can really
/// be killed), takes concurrent load, is killed with SIGKILL mid-load, restarted on the same database, and every
/// webhook that was acknowledged must be there with all its events. The first process defers the event log under
/// any load, so the kill also lands between acknowledgements and their log entries: after the restart the log must
/// catch up to exactly one entry per stored event, with the chain intact.
/// </summary>
[Trait("Needs", "Process")]
public sealed class WebhookDurabilityTests : IAsyncLifetime
{
    internal const string Key = "durability-key";
    internal const string Secret = "durability-secret";
    private readonly string _dir = Directory.CreateTempSubdirectory("adminconsole-durability-").FullName;
    private string DatabasePath => Path.Combine(_dir, "console.db");

    [Fact]
    public async Task Every_acknowledged_webhook_survives_a_kill_mid_load()
    {
        var url = $"http://127.0.0.1:{ConsoleProcess.FreePort()}";
        var acknowledged = new ConcurrentBag<(long Batch, string Body)>();
        await using var first = await StartConsoleAsync(url, new Dictionary<string, string> { ["Webhooks__LogInlineUpToEventsPerSecond"] = "0" });
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(10) };
        using var stop = new CancellationTokenSource();
        long sequence = 0;

        var workers = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var n = Interlocked.Increment(ref sequence);
                var body = new AdminConsole.Channels.Webhook(1_700_000_000_000 + n,
                [
                    WebhookEvent.ChannelOccupied($"durable-{n % 50}"),
                    WebhookEvent.MemberAdded($"presence-durable-{n % 7}", $"u{n}"),
                    WebhookEvent.ClientEvent($"private-durable-{n % 5}", "client-n", n.ToString(), "1.1"),
                ]).ToJson();
                try
                {
                    using var response = await PostAsync(http, body);
                    if (response.StatusCode == HttpStatusCode.OK)
                        acknowledged.Add(((await response.Content.ReadFromJsonAsync<WebhookAck>())!.Batch, body));
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                {
                    // In flight when the process died: not acknowledged, so Pusher would retry it.
                }
            }
        })).ToArray();

        // Kill once the console is clearly under load, with requests in flight.
        try
        {
            await Eventually.UntilAsync(() => acknowledged.Count >= 300, TimeSpan.FromSeconds(60), "300 acknowledged webhooks before the kill",
                describe: () => $"only {acknowledged.Count} acknowledged");
        }
        finally
        {
            await first.KillAsync();
            stop.Cancel();
        }
        await Task.WhenAll(workers);
        Assert.True(acknowledged.Count >= 300, $"only {acknowledged.Count} acknowledged before the deadline");

        await using var second = await StartConsoleAsync(url);
        var stored = ReadStored();
        var missing = acknowledged.Where(a => !stored.TryGetValue(a.Batch, out var s) || s.Events != 3 || s.Body != a.Body).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {acknowledged.Count} acknowledged webhooks missing after the restart");
        await AssertLogCaughtUpAsync(stored.Count);

        // And it still works: an acknowledged body posted again is recognised as the duplicate it is.
        var (batch, again) = acknowledged.First();
        using var response = await PostAsync(http, again);
        var ack = await response.Content.ReadFromJsonAsync<WebhookAck>();
        Assert.Equal((batch, true), (ack!.Batch, ack.Duplicate));
    }

    /// <summary>Waits for the restarted console to log what the first one stored, then checks the log holds each event once.</summary>
    private async Task AssertLogCaughtUpAsync(int batches)
    {
        await using var db = WebhookLogCatchUpTests.Open(DatabasePath);
        await WebhookLogCatchUpTests.WaitForLogAsync(db, TimeSpan.FromSeconds(60));
        var perBatch = await db.AuditEntries.Where(a => a.Kind == AuditKinds.WebhookEvent).GroupBy(a => a.Target).Select(g => g.Count()).ToListAsync();
        Assert.Equal(batches, perBatch.Count);
        Assert.All(perBatch, n => Assert.Equal(3, n));
        var verdict = await new AuditChainVerifier(db).VerifyAsync();
        Assert.True(verdict.Intact, verdict.Message);
    }

    private Dictionary<long, (int Events, string Body)> ReadStored()
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT b.Id, b.Body, (SELECT COUNT(*) FROM WebhookEvents e WHERE e.BatchId = b.Id) FROM WebhookBatches b";
        using var r = cmd.ExecuteReader();
        var stored = new Dictionary<long, (int, string)>();
        while (r.Read())
            stored[r.GetInt64(0)] = (r.GetInt32(2), Encoding.UTF8.GetString((byte[])r.GetValue(1)));
        return stored;
    }

    /// <summary>Posts a webhook signed for the consoles these process tests start (<see cref="Key"/>, <see cref="Secret"/>).</summary>
    internal static Task<HttpResponseMessage> PostAsync(HttpClient http, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/pusher/webhook") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Pusher-Key", Key);
        request.Headers.Add("X-Pusher-Signature", new WebhookSigner(Secret).Sign(body));
        return http.SendAsync(request);
    }

    /// <summary>The web project's build output sits beside the tests (project reference); run it as a real process.</summary>
    private Task<ConsoleProcess> StartConsoleAsync(string url, IReadOnlyDictionary<string, string>? settings = null) =>
        ConsoleProcess.StartAsync(Path.Combine(AppContext.BaseDirectory, "AdminConsole.Web.dll"), Key, Secret, DatabasePath, url, settings);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }
}
