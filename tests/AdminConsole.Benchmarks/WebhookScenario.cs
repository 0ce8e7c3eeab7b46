using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using AdminConsole.Channels;

namespace AdminConsole.Benchmarks;

/// <summary>
/// Posts signed webhooks to a console (Kestrel; a SQLite file, or with <c>--provider postgres</c> a fresh database on
/// the PostgreSQL server named by ADMINCONSOLE_TEST_POSTGRES, see tests/postgres.sh) from <c>--concurrency</c> connections for
/// <c>--seconds</c>, <c>--batch</c> events per request; optionally paced at <c>--rate</c> requests/s to read
/// latency below saturation. Afterwards it reads the console's database and checks that every acknowledged
/// webhook is there with all its events. With <c>--instances 2</c> (PostgreSQL only) two console processes share the
/// database and the generator alternates its requests between them, as a round-robin load balancer would.
/// </summary>
public static class WebhookScenario
{
    public const string Usage = """
        webhooks: --batch 10 --concurrency 32 --seconds 10 [--rate <requests/s>] [--warmup 20] [--provider sqlite|postgres [--instances 2]]
                  [--console <AdminConsole.Web.dll>] | [--url http://127.0.0.1:8008 --db <sqlite file> --key K --secret S [--pid <console pid>]]
        """;

    public static async Task<int> RunAsync(BenchArgs args)
    {
        var batch = args.Int("batch", 10);
        var concurrency = args.Int("concurrency", 32);
        var seconds = args.Double("seconds", 10);
        var rate = args.Double("rate", 0);
        // Tiered JIT recompiles thousands of methods for the first ~15 s of load; on two cores that compiler thread
        // takes a quarter of the CPU, so a short warm-up measures the JIT more than the console.
        var warmup = args.Double("warmup", 20);
        var key = args.Get("key") ?? "bench-key";
        var secret = args.Get("secret") ?? "bench-secret";

        await using var target = await ConsoleUnderTest.StartAsync(args, key, secret);
        var (open, pid) = (target.Open, target.Pid);

        var clients = target.Urls.Select(url => new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = new Uri(url),
            Timeout = TimeSpan.FromSeconds(30),
        }).ToList();
        using var _ = new Disposables(clients);
        var signer = new WebhookSigner(secret);
        var load = new WebhookLoad(clients, signer, key, batch);

        if (warmup > 0)
        {
            await load.RunAsync(concurrency, TimeSpan.FromSeconds(warmup), 0, record: false);
            // The measured phase starts from a log that is up to date, not while it catches up on the warm-up.
            await WaitForLogAsync(open, "warm-up log");
        }
        var cpuBefore = target.CpuTime();
        var selfBefore = Environment.CpuUsage.TotalTime;
        var stats = await load.RunAsync(concurrency, TimeSpan.FromSeconds(seconds), rate, record: true);
        var consoleCpu = target.CpuTime() - cpuBefore;
        var selfCpu = Environment.CpuUsage.TotalTime - selfBefore;

        var (stored, missing) = Verify(open, load.Acknowledged);
        var latencies = stats.Latencies;
        latencies.Sort();
        Console.WriteLine($"scenario      webhooks: {batch} event(s)/request, concurrency {concurrency}, {seconds:0.#} s{(rate > 0 ? $", paced at {rate:0} req/s" : ", unpaced")}, {target.Provider}");
        Console.WriteLine($"requests      {stats.Ok} ok, {stats.Failed} failed ({stats.Ok / stats.Elapsed.TotalSeconds:N0} requests/s)");
        Console.WriteLine($"events        {stats.Ok * batch} acknowledged ({stats.Ok * batch / stats.Elapsed.TotalSeconds:N0} events/s)");
        if (latencies.Count > 0)
            Console.WriteLine($"latency       p50 {Measure.Percentile(latencies, 0.50):0.0} ms, p99 {Measure.Percentile(latencies, 0.99):0.0} ms, max {latencies[^1]:0.0} ms");
        if (pid is not null)
        {
            Console.WriteLine($"console       peak memory {string.Join(" + ", target.Pids.Select(p => $"{ConsoleProcess.PeakMemoryMb(p):N0}"))} MB (VmHWM)");
            // Throughput depends on what else runs on the box; CPU per event does not, so both are shown.
            Console.WriteLine($"cpu           console {consoleCpu.TotalSeconds:0.00} s ({stats.Ok * batch / Math.Max(consoleCpu.TotalSeconds, 0.01):N0} events and {stats.Ok / Math.Max(consoleCpu.TotalSeconds, 0.01):N0} requests per console CPU-second), load generator {selfCpu.TotalSeconds:0.00} s, machine load average {Measure.LoadAverage()}");
        }
        Console.WriteLine($"verified      {stored} of {load.Acknowledged.Count} acknowledged webhooks (warm-up included) stored with all events; {missing} missing");
        var logged = await WaitForLogAsync(open, "event log");
        return missing == 0 && stats.Failed == 0 && logged ? 0 : 1;
    }

    /// <summary>Every acknowledged batch id must exist with exactly the number of events that was posted.</summary>
    internal static (int Stored, int Missing) Verify(Func<DbConnection> open, ConcurrentBag<(long Batch, int Events)> acknowledged)
    {
        using var connection = open();
        connection.Open();
        var counts = new Dictionary<long, int>();
        using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = "SELECT \"BatchId\", COUNT(*) FROM \"WebhookEvents\" GROUP BY \"BatchId\"";
            using var r = cmd.ExecuteReader();
            while (r.Read()) counts[r.GetInt64(0)] = Convert.ToInt32(r.GetValue(1));
        }
        var stored = acknowledged.Count(a => counts.TryGetValue(a.Batch, out var n) && n == a.Events);
        return (stored, acknowledged.Count - stored);
    }

    /// <summary>
    /// Under load the console acknowledges first and appends the events' log entries once the load drops: waits for
    /// that, reports how long it took, and checks the log then holds one entry per stored event.
    /// </summary>
    internal static async Task<bool> WaitForLogAsync(Func<DbConnection> open, string label)
    {
        await using var connection = open();
        await connection.OpenAsync();
        long Scalar(string sql)
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = sql;
            return Convert.ToInt64(cmd.ExecuteScalar() ?? 0L);
        }
        const string EventsBehind = """SELECT COUNT(*) FROM "WebhookEvents" e JOIN "WebhookBatches" b ON b."Id" = e."BatchId" WHERE b."Id" > (SELECT "LoggedWebhookBatchId" FROM "AuditChain")""";
        var behind = Scalar(EventsBehind);
        var clock = Stopwatch.StartNew();
        await Eventually.UntilAsync(() => Scalar("""SELECT CASE WHEN (SELECT "LoggedWebhookBatchId" FROM "AuditChain") < (SELECT COALESCE(MAX("Id"), 0) FROM "WebhookBatches") THEN 1 ELSE 0 END""") == 0,
            TimeSpan.FromMinutes(10), "the log to catch up with the stored webhooks", TimeSpan.FromMilliseconds(100));
        var elapsed = clock.Elapsed;
        var entries = Scalar("""SELECT COUNT(*) FROM "AuditEntries" WHERE "Kind" = 'webhook.event'""");
        var events = Scalar("""SELECT COUNT(*) FROM "WebhookEvents" """);
        Console.WriteLine($"{label,-13} {behind:N0} events were not yet logged when the load stopped; logged {elapsed.TotalSeconds:0.0} s later ({behind / Math.Max(elapsed.TotalSeconds, 0.001):N0} entries/s); {entries:N0} webhook.event entries for {events:N0} stored events");
        return entries == events;
    }
}
