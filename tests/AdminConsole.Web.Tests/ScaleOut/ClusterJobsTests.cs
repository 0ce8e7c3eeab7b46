using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using AdminConsole.Channels;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Shared;
using AdminConsole.Web.Tests.Webhooks;
using AdminConsole.Web.Webhooks;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace AdminConsole.Web.Tests.ScaleOut;

/// <summary>
/// Two real console processes (Kestrel, their own hosted services) on one PostgreSQL database, as two instances
/// behind a load balancer: the jobs that must run once per cluster run once, a delivery acknowledged by either
/// survives the other being killed, and local mode refuses a second instance. Each test has a database of its own.
/// </summary>
[Trait("Needs", "Process")]
public sealed class ClusterJobsTests(ITestOutputHelper output)
{
    private static readonly string s_dll = Path.Combine(AppContext.BaseDirectory, "AdminConsole.Web.dll");

    [Fact]
    public async Task Retention_configured_on_both_instances_runs_once_per_interval_and_moves_when_its_holder_dies()
    {
        using var database = TestPostgres.CreateDatabase("retention-once");
        var settings = ConsoleProcess.OnPostgres(database.ConnectionString, new Dictionary<string, string>
        {
            ["EventLog__RetentionDays"] = "1",
            ["EventLog__PurgeInterval"] = "00:00:01",
            ["Logging__LogLevel__AdminConsole.Web.Data.Leases"] = "Debug",
        });
        // Started at the same moment: the migrations and the accounts initializer run concurrently too.
        var (a, b) = await StartBothAsync(settings, settings);
        await using var _a = a;
        await using var _b = b;
        ConsoleProcess? restarted = null;
        try
        {
            await Eventually.UntilAsync(() => Ran(a) + Skipped(a) > 0 && Ran(b) + Skipped(b) > 0, TimeSpan.FromSeconds(60),
                "both instances to tick", describe: () => $"A ran {Ran(a)}, skipped {Skipped(a)}; B ran {Ran(b)}, skipped {Skipped(b)}");
            var (holder, other) = Ran(a) > 0 ? (a, b) : (b, a);
            var (ran0, skipped0) = (Ran(holder), Skipped(other));
            await Eventually.UntilAsync(() => Skipped(other) >= skipped0 + 5, TimeSpan.FromSeconds(60), "five more intervals",
                describe: () => $"A ran {Ran(a)}, skipped {Skipped(a)}; B ran {Ran(b)}, skipped {Skipped(b)}");

            // Every interval one instance purges and the other skips: the holder keeps its lease by renewing it.
            Assert.True(Ran(other) == 0, $"both instances ran the purge: A {Ran(a)} times, B {Ran(b)} times");
            var (ran, skipped) = (Ran(holder) - ran0, Skipped(other) - skipped0);
            Assert.True(Math.Abs(ran - skipped) <= 2, $"over the same intervals the holder ran {ran} times while the other skipped {skipped} ticks");

            // The holder dies without releasing: the other takes over once the lease (10 s, renewed every second) has expired.
            var killed = Stopwatch.StartNew();
            await holder.KillAsync();
            await Eventually.UntilAsync(() => Ran(other) > 0, TimeSpan.FromSeconds(40), "the surviving instance to take the retention lease over");
            var takeover = killed.Elapsed;
            output.WriteLine($"takeover after kill -9: {takeover.TotalSeconds:F1} s (lease {Leases.LeaseFor(TimeSpan.FromSeconds(1)).TotalSeconds} s, interval 1 s)");
            Assert.True(takeover >= TimeSpan.FromSeconds(5), $"taken over after {takeover.TotalSeconds:F1} s, before the dead holder's lease could have expired");

            // A clean stop releases the lease: an instance started meanwhile takes over at its next tick, not after the expiry.
            restarted = await StartAsync(settings);
            await Eventually.UntilAsync(() => Skipped(restarted) >= 2, TimeSpan.FromSeconds(30), "the restarted instance to skip while the survivor holds the lease");
            var stopping = Stopwatch.StartNew();
            Assert.Equal(0, await other.StopAsync(TimeSpan.FromSeconds(30)));
            await Eventually.UntilAsync(() => Ran(restarted) > 0, TimeSpan.FromSeconds(30), "the restarted instance to take over the released lease");
            var handover = stopping.Elapsed;
            output.WriteLine($"handover after SIGTERM: {handover.TotalSeconds:F1} s");
            Assert.True(handover < TimeSpan.FromSeconds(8), $"took {handover.TotalSeconds:F1} s: the stopped instance did not release its lease");
        }
        finally
        {
            if (restarted is not null)
                await restarted.DisposeAsync();
        }
    }

    [Fact]
    public async Task Webhooks_split_between_two_instances_survive_one_killed_mid_load_stored_once_logged_and_chained()
    {
        using var database = TestPostgres.CreateDatabase("split-kill");
        // A acknowledges before logging under any load, so the kill lands between acknowledgements and their log entries.
        var settingsA = ConsoleProcess.OnPostgres(database.ConnectionString, new Dictionary<string, string> { ["Webhooks__LogInlineUpToEventsPerSecond"] = "0" });
        var settingsB = ConsoleProcess.OnPostgres(database.ConnectionString);
        var (first, b) = await StartBothAsync(settingsA, settingsB);
        var a = first;
        await using var _b = b;
        var urlA = a.Url;
        using var httpA = new HttpClient { BaseAddress = new Uri(urlA), Timeout = TimeSpan.FromSeconds(10) };
        using var httpB = new HttpClient { BaseAddress = new Uri(b.Url), Timeout = TimeSpan.FromSeconds(10) };
        var acknowledged = new ConcurrentBag<(long Batch, string Body)>();
        long sequence = 0, byRestartedA = 0;
        var aUp = 1;
        var restartedA = false;
        using var stop = new CancellationTokenSource();

        var workers = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var n = Interlocked.Increment(ref sequence);
                var toA = n % 2 == 0 && Volatile.Read(ref aUp) == 1;
                var body = new AdminConsole.Channels.Webhook(1_700_000_000_000 + n,
                [
                    WebhookEvent.ChannelOccupied($"split-{n % 50}"),
                    WebhookEvent.MemberAdded($"presence-split-{n % 7}", $"u{n}"),
                    WebhookEvent.ClientEvent($"private-split-{n % 5}", "client-n", n.ToString(System.Globalization.CultureInfo.InvariantCulture), "1.1"),
                ]).ToJson();
                try
                {
                    using var response = await Webhooks.Webhook.PostAsync(toA ? httpA : httpB, body);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        acknowledged.Add(((await response.Content.ReadFromJsonAsync<WebhookAck>())!.Batch, body));
                        if (toA && Volatile.Read(ref restartedA))
                            Interlocked.Increment(ref byRestartedA);
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                {
                    // In flight when A died: not acknowledged, so Pusher would retry it.
                }
            }
        })).ToArray();

        try
        {
            await Eventually.UntilAsync(() => acknowledged.Count >= 300, TimeSpan.FromSeconds(90), "300 acknowledged webhooks before the kill",
                describe: () => $"only {acknowledged.Count} acknowledged");
            await a.KillAsync();
            Volatile.Write(ref aUp, 0);
            var atKill = acknowledged.Count;
            await Eventually.UntilAsync(() => acknowledged.Count >= atKill + 150, TimeSpan.FromSeconds(60), "B to go on acknowledging alone",
                describe: () => $"{acknowledged.Count - atKill} since the kill");

            a = await StartAsync(settingsA, urlA);
            Volatile.Write(ref restartedA, true);
            Volatile.Write(ref aUp, 1);
            await Eventually.UntilAsync(() => Interlocked.Read(ref byRestartedA) >= 100, TimeSpan.FromSeconds(60), "the restarted A to acknowledge its share",
                describe: () => $"{Interlocked.Read(ref byRestartedA)} by the restarted A");
        }
        finally
        {
            stop.Cancel();
            await Task.WhenAll(workers);
        }

        try
        {
            await using var db = Open(database.ConnectionString);
            var stored = await db.WebhookBatches.AsNoTracking()
                .Select(x => new { x.Id, x.Body, Events = x.Events.Count })
                .ToDictionaryAsync(x => x.Id, x => (x.Events, Body: Encoding.UTF8.GetString(x.Body)));
            var missing = acknowledged.Where(x => !stored.TryGetValue(x.Batch, out var s) || s.Events != 3 || s.Body != x.Body).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} of {acknowledged.Count} acknowledged webhooks missing or altered");
            // Exactly once: no body stored twice, and no acknowledged delivery under two ids.
            Assert.Equal(stored.Count, stored.Values.Select(s => s.Body).Distinct().Count());
            Assert.Equal(acknowledged.Count, acknowledged.Select(x => x.Batch).Distinct().Count());

            // Either instance's writer logs what the other acknowledged before logging; wait for the log to catch up.
            await WebhookLogCatchUpTests.WaitForLogAsync(db, TimeSpan.FromSeconds(90));
            var perBatch = await db.AuditEntries.AsNoTracking().Where(e => e.Kind == AuditKinds.WebhookEvent)
                .GroupBy(e => e.Target).Select(g => g.Count()).ToListAsync();
            Assert.Equal(stored.Count, perBatch.Count);
            Assert.All(perBatch, n => Assert.Equal(3, n));
            var verdict = await new AuditChainVerifier(db).VerifyAsync();
            Assert.True(verdict.Intact, verdict.Message);
            output.WriteLine($"{acknowledged.Count} acknowledged, {stored.Count} stored, {Interlocked.Read(ref byRestartedA)} by the restarted A");
        }
        finally
        {
            await a.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_second_local_mode_instance_on_the_same_database_is_refused_at_start_with_the_reason()
    {
        using var database = TestPostgres.CreateDatabase("local-once");
        var local = ConsoleProcess.OnPostgres(database.ConnectionString, new Dictionary<string, string>
        {
            // No Pusher app: local mode.
            ["Pusher__AppId"] = "",
            ["Pusher__Enabled"] = "true",
            ["Pusher__Local__Enabled"] = "true",
            ["Pusher__Local__Port"] = "0",
        });
        await using var first = await ConsoleProcess.StartAsync(s_dll, "", "", settings: local);

        var environment = new Dictionary<string, string>(local)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Urls"] = $"http://127.0.0.1:{ConsoleProcess.FreePort()}",
            ["Pusher__Key"] = "",
            ["Pusher__Secret"] = "",
        };
        var (code, stdout, stderr) = await ConsoleProcess.RunAsync(s_dll, [], environment, TimeSpan.FromSeconds(90));
        Assert.True(code == StartRefusedException.ExitCode, $"exit code {code}\n{stderr}");
        Assert.Contains("Local mode is single-instance", stderr);
        Assert.Contains("PUSHER_APP_ID, PUSHER_KEY and PUSHER_SECRET", stderr);
        Assert.Contains($"/{first.Pid}/", stderr); // names the instance that holds it
        Assert.DoesNotContain("   at ", stdout + stderr); // the reason, not a stack trace

        // A clean stop gives the lease back: then a new instance starts in local mode at once.
        Assert.Equal(0, await first.StopAsync(TimeSpan.FromSeconds(30)));
        await using var second = await ConsoleProcess.StartAsync(s_dll, "", "", settings: local);
        await using var db = Open(database.ConnectionString);
        var lease = await db.Leases.AsNoTracking().SingleAsync(l => l.Name == "local-channels");
        Assert.Contains($"/{second.Pid}/", lease.Holder);
    }

    private static int Ran(ConsoleProcess console) => console.Output.Count(l => l.Contains("Job eventlog-retention: ran on this instance", StringComparison.Ordinal));

    private static int Skipped(ConsoleProcess console) =>
        console.Output.Count(l => l.Contains("Job eventlog-retention: its lease is held by another instance", StringComparison.Ordinal));

    private static Task<ConsoleProcess> StartAsync(IReadOnlyDictionary<string, string> settings, string? url = null) =>
        ConsoleProcess.StartAsync(s_dll, WebhookConsole.Key, WebhookConsole.Secret, url: url, settings: settings);

    /// <summary>Both at once; if one fails to start, the other is stopped before the failure is reported.</summary>
    private static async Task<(ConsoleProcess A, ConsoleProcess B)> StartBothAsync(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b)
    {
        var starts = new[] { StartAsync(a), StartAsync(b) };
        try
        {
            await Task.WhenAll(starts);
        }
        catch
        {
            foreach (var started in starts.Where(s => s.IsCompletedSuccessfully))
                await started.Result.DisposeAsync();
            throw;
        }
        return (starts[0].Result, starts[1].Result);
    }

    /// <summary>The cluster's database opened directly, as an operator's tool would.</summary>
    private static PostgresAppDbContext Open(string connectionString) =>
        new(new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(connectionString).AddInterceptors(new AuditChainSaving()).Options);
}
