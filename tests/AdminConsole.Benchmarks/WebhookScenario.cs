using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using AdminConsole.Channels;
using Microsoft.Data.Sqlite;
using Npgsql;

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

        var instances = args.Int("instances", 1);
        if (instances > 1 && args.Get("provider") is not "postgres")
            throw new ArgumentException("--instances needs --provider postgres: SQLite is one console's file.");
        var owned = new List<ConsoleProcess>();
        TestDatabase? postgres = null;
        string url, db;
        Func<DbConnection> open;
        int? pid = args.Get("pid") is { } p ? int.Parse(p) : null;
        if (args.Get("url") is { } given)
        {
            url = given.TrimEnd('/');
            db = args.Get("db") ?? throw new ArgumentException("--url needs --db <the console's sqlite file> to verify storage.");
            open = () => new SqliteConnection($"Data Source={db};Mode=ReadOnly");
        }
        else if (args.Get("provider") is "postgres")
        {
            var dll = args.Get("console") ?? Path.GetFullPath(Path.Combine(RepositoryRoot.Path, "src/AdminConsole.Web/bin/Release/net10.0/AdminConsole.Web.dll"));
            postgres = TestPostgres.CreateDatabase("bench");
            // One after the other: the first migrates the database, the others find it migrated.
            for (var i = 0; i < instances; i++)
                owned.Add(await ConsoleProcess.StartAsync(dll, key, secret, settings: new Dictionary<string, string>
                {
                    ["Database__Provider"] = "Postgres",
                    ["ConnectionStrings__Console"] = postgres.ConnectionString,
                }));
            (url, db, pid) = (owned[0].Url, postgres.Name, owned[0].Pid);
            var connectionString = postgres.ConnectionString;
            open = () => new NpgsqlConnection(connectionString);
        }
        else
        {
            var dll = args.Get("console") ?? Path.GetFullPath(Path.Combine(RepositoryRoot.Path, "src/AdminConsole.Web/bin/Release/net10.0/AdminConsole.Web.dll"));
            owned.Add(await ConsoleProcess.StartAsync(dll, key, secret));
            (url, db, pid) = (owned[0].Url, owned[0].DatabasePath, owned[0].Pid);
            var path = db;
            open = () => new SqliteConnection($"Data Source={path};Mode=ReadOnly");
        }

        try
        {
            var urls = owned.Count > 1 ? owned.Select(o => o.Url).ToList() : [url];
            var clients = urls.Select(u => new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
            {
                BaseAddress = new Uri(u),
                Timeout = TimeSpan.FromSeconds(30),
            }).ToArray();
            using var _ = new Disposables(clients);
            var signer = new WebhookSigner(secret);
            var load = new Load(clients, signer, key, batch);
            var pids = owned.Count > 1 ? owned.Select(o => o.Pid).ToArray() : pid is { } single ? [single] : [];

            if (warmup > 0)
            {
                await load.RunAsync(concurrency, TimeSpan.FromSeconds(warmup), 0, record: false);
                // The measured phase starts from a log that is up to date, not while it catches up on the warm-up.
                await WaitForLogAsync(open, "warm-up log");
            }
            var cpuBefore = pids.Aggregate(TimeSpan.Zero, (sum, p) => sum + ConsoleProcess.CpuTime(p));
            var selfBefore = Environment.CpuUsage.TotalTime;
            var stats = await load.RunAsync(concurrency, TimeSpan.FromSeconds(seconds), rate, record: true);
            var consoleCpu = pids.Aggregate(TimeSpan.Zero, (sum, p) => sum + ConsoleProcess.CpuTime(p)) - cpuBefore;
            var selfCpu = Environment.CpuUsage.TotalTime - selfBefore;

            var (stored, missing) = Verify(open, load.Acknowledged);
            var latencies = stats.Latencies;
            latencies.Sort();
            Console.WriteLine($"scenario      webhooks: {batch} event(s)/request, concurrency {concurrency}, {seconds:0.#} s{(rate > 0 ? $", paced at {rate:0} req/s" : ", unpaced")}, {(postgres is null ? "SQLite" : "PostgreSQL")}{(owned.Count > 1 ? $", {owned.Count} console processes, requests alternating" : "")}");
            Console.WriteLine($"requests      {stats.Ok} ok, {stats.Failed} failed ({stats.Ok / stats.Elapsed.TotalSeconds:N0} requests/s)");
            Console.WriteLine($"events        {stats.Ok * batch} acknowledged ({stats.Ok * batch / stats.Elapsed.TotalSeconds:N0} events/s)");
            if (latencies.Count > 0)
                Console.WriteLine($"latency       p50 {Measure.Percentile(latencies, 0.50):0.0} ms, p99 {Measure.Percentile(latencies, 0.99):0.0} ms, max {latencies[^1]:0.0} ms");
            if (pids.Length > 0)
            {
                Console.WriteLine($"console       peak memory {string.Join(" + ", pids.Select(p => $"{ConsoleProcess.PeakMemoryMb(p):N0}"))} MB (VmHWM)");
                // Throughput depends on what else runs on the box; CPU per event does not, so both are shown.
                Console.WriteLine($"cpu           console {consoleCpu.TotalSeconds:0.00} s ({stats.Ok * batch / Math.Max(consoleCpu.TotalSeconds, 0.01):N0} events and {stats.Ok / Math.Max(consoleCpu.TotalSeconds, 0.01):N0} requests per console CPU-second), load generator {selfCpu.TotalSeconds:0.00} s, machine load average {Measure.LoadAverage()}");
            }
            Console.WriteLine($"verified      {stored} of {load.Acknowledged.Count} acknowledged webhooks (warm-up included) stored with all events; {missing} missing");
            var logged = await WaitForLogAsync(open, "event log");
            return missing == 0 && stats.Failed == 0 && logged ? 0 : 1;
        }
        finally
        {
            foreach (var o in owned) await o.DisposeAsync();
            postgres?.Dispose();
        }
    }

    /// <summary>Every acknowledged batch id must exist with exactly the number of events that was posted.</summary>
    private static (int Stored, int Missing) Verify(Func<DbConnection> open, ConcurrentBag<(long Batch, int Events)> acknowledged)
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
    private static async Task<bool> WaitForLogAsync(Func<DbConnection> open, string label)
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

    private sealed class Load(HttpClient[] clients, WebhookSigner signer, string key, int batch)
    {
        private long _sequence;
        // Unique per run and request, so no body repeats (a repeat would be a duplicate, not a new webhook).
        private readonly long _timeBase = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        public ConcurrentBag<(long Batch, int Events)> Acknowledged { get; } = [];

        public async Task<Stats> RunAsync(int concurrency, TimeSpan duration, double rate, bool record)
        {
            var stats = new Stats();
            var started = Stopwatch.GetTimestamp();
            var end = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            long paced = 0;
            var workers = Enumerable.Range(0, concurrency).Select(async _ =>
            {
                var latencies = new List<double>(4096);
                int ok = 0, failed = 0;
                while (true)
                {
                    long due;
                    if (rate > 0)
                    {
                        // Open loop: request n is due at start + n/rate; latency counts from when it was due,
                        // so a stalled server cannot hide its stall (no coordinated omission).
                        var n = Interlocked.Increment(ref paced) - 1;
                        due = started + (long)(n / rate * Stopwatch.Frequency);
                        if (due >= end) break;
                        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                        if (wait > TimeSpan.Zero) await Task.Delay(wait);
                    }
                    else
                    {
                        due = Stopwatch.GetTimestamp();
                        if (due >= end) break;
                    }
                    var (status, batchId) = await PostOneAsync();
                    var ms = Stopwatch.GetElapsedTime(due).TotalMilliseconds;
                    if (status == HttpStatusCode.OK)
                    {
                        ok++;
                        latencies.Add(ms);
                        Acknowledged.Add((batchId, batch));
                    }
                    else failed++;
                }
                lock (stats)
                {
                    stats.Ok += ok;
                    stats.Failed += failed;
                    if (record) stats.Latencies.AddRange(latencies);
                }
            }).ToArray();
            await Task.WhenAll(workers);
            stats.Elapsed = Stopwatch.GetElapsedTime(started);
            return stats;
        }

        private async Task<(HttpStatusCode, long)> PostOneAsync()
        {
            var n = Interlocked.Increment(ref _sequence);
            var body = Encoding.UTF8.GetBytes(Body(n));
            using var request = new HttpRequestMessage(HttpMethod.Post, "/pusher/webhook") { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new("application/json");
            request.Headers.Add("X-Pusher-Key", key);
            request.Headers.Add("X-Pusher-Signature", signer.Sign(body));
            try
            {
                using var response = await clients[n % clients.Length].SendAsync(request);
                if (response.StatusCode != HttpStatusCode.OK) return (response.StatusCode, 0);
                using var json = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
                return (response.StatusCode, json.RootElement.GetProperty("batch").GetInt64());
            }
            catch (HttpRequestException)
            {
                return (HttpStatusCode.ServiceUnavailable, 0);
            }
        }

        /// <summary>A realistic mix: occupancy changes on many channels, presence joins and leaves, some client events.</summary>
        private string Body(long n)
        {
            var sb = new StringBuilder(64 + batch * 96);
            sb.Append("{\"time_ms\":").Append(_timeBase + n).Append(",\"events\":[");
            for (var i = 0; i < batch; i++)
            {
                if (i > 0) sb.Append(',');
                var k = n * batch + i;
                switch (k % 5)
                {
                    case 0: sb.Append("{\"name\":\"channel_occupied\",\"channel\":\"bench-").Append(k % 997).Append("\"}"); break;
                    case 1: sb.Append("{\"name\":\"channel_vacated\",\"channel\":\"bench-").Append(k % 991).Append("\"}"); break;
                    case 2: sb.Append("{\"name\":\"member_added\",\"channel\":\"presence-bench-").Append(k % 97).Append("\",\"user_id\":\"u").Append(k % 89).Append("\"}"); break;
                    case 3: sb.Append("{\"name\":\"member_removed\",\"channel\":\"presence-bench-").Append(k % 97).Append("\",\"user_id\":\"u").Append(k % 83).Append("\"}"); break;
                    default: sb.Append("{\"name\":\"client_event\",\"channel\":\"private-bench-").Append(k % 101).Append("\",\"event\":\"client-ping\",\"data\":\"{\\\"n\\\":").Append(k).Append("}\",\"socket_id\":\"1.").Append(k).Append("\"}"); break;
                }
            }
            return sb.Append("]}").ToString();
        }
    }

    private sealed class Stats
    {
        public int Ok;
        public int Failed;
        public List<double> Latencies { get; } = [];
        public TimeSpan Elapsed;
    }
}
