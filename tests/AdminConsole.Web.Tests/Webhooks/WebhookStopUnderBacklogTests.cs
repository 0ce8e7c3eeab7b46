using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using AdminConsole.Channels;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Webhooks;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Tests.Webhooks;

/// <summary>
/// SIGTERM while the event log is catching up on a backlog stops the console within 10 s (issue 17: an outside check
/// waited 30 s and the process was still appending); the next start appends the rest from the cursor, so the log
/// ends with one entry per stored event, in delivery order, and the chain intact. Nothing is killed.
/// </summary>
[Trait("Needs", "Process")]
public sealed class WebhookStopUnderBacklogTests : IAsyncDisposable
{
    private const int EventsPerDelivery = 10;

    /// <summary>
    /// 50,000 entries: about 1 s of the quiet catch-up on an idle machine (50,000 entries/s measured), 8 s on a busy
    /// one, so the stop lands in its middle; reached in seconds idle, and within the deadline at 150 deliveries/s.
    /// </summary>
    private const int Backlog = 5_000;

    private readonly string _dir = Directory.CreateTempSubdirectory("adminconsole-backlog-").FullName;
    private string DatabasePath => Path.Combine(_dir, "console.db");

    [Fact]
    public async Task A_stop_mid_catch_up_exits_within_10_s_and_the_next_start_logs_the_rest_in_order()
    {
        var url = $"http://127.0.0.1:{ConsoleProcess.FreePort()}";
        // The log is deferred under any load and never forced to keep up, so a backlog builds while the load runs.
        await using var first = await StartConsoleAsync(url, new Dictionary<string, string>
        {
            ["Webhooks__LogInlineUpToEventsPerSecond"] = "0",
            ["Webhooks__LogMaxLagSeconds"] = "3600",
        });
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        var acknowledged = new ConcurrentBag<long>();
        using (var stop = new CancellationTokenSource())
        {
            long sequence = 0;
            var workers = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var n = Interlocked.Increment(ref sequence);
                    var body = new AdminConsole.Channels.Webhook(1_700_000_000_000 + n,
                        [.. Enumerable.Range(0, EventsPerDelivery).Select(i => WebhookEvent.ChannelOccupied($"backlog-{(n * EventsPerDelivery + i) % 300}"))]).ToJson();
                    using var response = await WebhookDurabilityTests.PostAsync(http, body);
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    acknowledged.Add((await response.Content.ReadFromJsonAsync<WebhookAck>())!.Batch);
                }
            })).ToArray();
            try
            {
                await Eventually.UntilAsync(() => LogPosition() is var (logged, stored) && stored - logged >= Backlog, TimeSpan.FromSeconds(180),
                    $"{Backlog} deliveries stored and not yet logged", describe: () => $"position {LogPosition()}");
            }
            finally
            {
                stop.Cancel();
                await Task.WhenAll(workers);
            }
        }

        // The load has stopped: the writer starts appending the backlog. Stop it once it has visibly begun.
        var (loggedAtLoadEnd, _) = LogPosition();
        await Eventually.UntilAsync(() => LogPosition().Logged > loggedAtLoadEnd, TimeSpan.FromSeconds(30), "the catch-up to begin",
            pollEvery: TimeSpan.FromMilliseconds(10));
        var exitCode = await first.StopAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, exitCode);
        var (loggedAtStop, storedAtStop) = LogPosition();
        Assert.True(loggedAtStop < storedAtStop, $"the catch-up had finished before the stop ({loggedAtStop} of {storedAtStop}): the backlog is too small to test a stop in its middle");
        Assert.Equal(acknowledged.Count, (int)storedAtStop);

        await using var second = await StartConsoleAsync(url);
        await using var db = WebhookLogCatchUpTests.Open(DatabasePath);
        await WebhookLogCatchUpTests.WaitForLogAsync(db, TimeSpan.FromSeconds(120));
        // One entry per event, in delivery order: the entries' deliveries, read in entry order, are 1, 1, 1, 1, 1, 2, ...
        var targets = await db.AuditEntries.AsNoTracking().Where(a => a.Kind == AuditKinds.WebhookEvent).OrderBy(a => a.Id).Select(a => a.Target!).ToListAsync();
        var expected = acknowledged.Order().SelectMany(b => Enumerable.Repeat(WebhookTarget.Of(b), EventsPerDelivery)).ToList();
        Assert.Equal(expected.Count, targets.Count);
        Assert.True(expected.SequenceEqual(targets), "the log's webhook entries are not one per event in delivery order");
        var verdict = await new AuditChainVerifier(db).VerifyAsync();
        Assert.True(verdict.Intact, verdict.Message);
    }

    /// <summary>The log cursor and the newest stored delivery, read as a second process would.</summary>
    private (long Logged, long Stored) LogPosition()
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = """SELECT (SELECT "LoggedWebhookBatchId" FROM "AuditChain"), (SELECT COALESCE(MAX("Id"), 0) FROM "WebhookBatches")""";
        using var r = cmd.ExecuteReader();
        r.Read();
        return (r.GetInt64(0), r.GetInt64(1));
    }

    private Task<ConsoleProcess> StartConsoleAsync(string url, IReadOnlyDictionary<string, string>? settings = null) =>
        ConsoleProcess.StartAsync(Path.Combine(AppContext.BaseDirectory, "AdminConsole.Web.dll"), WebhookDurabilityTests.Key, WebhookDurabilityTests.Secret, DatabasePath, url, settings);

    public ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
        return ValueTask.CompletedTask;
    }
}
