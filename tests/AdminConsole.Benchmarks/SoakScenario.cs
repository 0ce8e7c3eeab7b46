using System.Data.Common;
using System.Diagnostics;
using AdminConsole.Channels;

namespace AdminConsole.Benchmarks;

/// <summary>
/// Webhook ingest held for minutes (issue 17): the console as its own process, fresh bodies throughout, closed loop
/// (maximum rate) or paced at <c>--rate</c> requests/s. Every <c>--window</c> seconds it prints the acknowledged
/// events/s, p50/p99 of that window, the event log's lag (events stored and acknowledged but not yet in the log, and
/// how old the oldest of them is, sampled every second, the window's worst), database bytes per stored event, the
/// console's resident memory and CPU; at the end, how long the log needs to catch up, and the same storage checks
/// as the <c>webhooks</c> scenario.
/// </summary>
public static class SoakScenario
{
    public const string Usage = """
        soak:     --minutes 10 --batch 10 --concurrency 32 [--rate <requests/s>] [--window 30] [--warmup 20] [--provider sqlite|postgres]
                  [--settings Webhooks__Name=value,...] [--console <AdminConsole.Web.dll>]
        """;

    /// <summary>The log's cursor, the newest stored delivery, and when the oldest delivery not yet logged arrived.</summary>
    private const string LagSql = """
        SELECT c."LoggedWebhookBatchId", (SELECT COALESCE(MAX("Id"), 0) FROM "WebhookBatches"),
               (SELECT b."ReceivedMs" FROM "WebhookBatches" b WHERE b."Id" > c."LoggedWebhookBatchId" ORDER BY b."Id" LIMIT 1)
        FROM "AuditChain" c
        """;

    public static async Task<int> RunAsync(BenchArgs args)
    {
        var minutes = args.Double("minutes", 10);
        var batch = args.Int("batch", 10);
        var concurrency = args.Int("concurrency", 32);
        var rate = args.Double("rate", 0);
        var window = TimeSpan.FromSeconds(args.Double("window", 30));
        var warmup = args.Double("warmup", 20);
        var key = args.Get("key") ?? "bench-key";
        var secret = args.Get("secret") ?? "bench-secret";
        var settings = (args.Get("settings") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(s => s.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);

        await using var target = await ConsoleUnderTest.StartAsync(args, key, secret, settings);
        var pid = target.Pid ?? throw new ArgumentException("the soak reads the console's memory and CPU: start it here, or pass --pid.");
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = new Uri(target.Url),
            Timeout = TimeSpan.FromSeconds(30),
        };
        var load = new WebhookLoad(http, new WebhookSigner(secret), key, batch);
        if (warmup > 0)
        {
            await load.RunAsync(concurrency, TimeSpan.FromSeconds(warmup), 0, record: false);
            await WebhookScenario.WaitForLogAsync(target.Open, "warm-up log");
        }

        Console.WriteLine($"scenario      soak: {minutes:0.#} min, {batch} event(s)/request, concurrency {concurrency}, {(rate > 0 ? $"paced at {rate:0} req/s" : "unpaced")}, {target.Provider}" +
            (settings.Count > 0 ? ", " + string.Join(", ", settings.Select(s => $"{s.Key}={s.Value}")) : ""));
        Console.WriteLine($"{"window",-9}{"events/s",10}{"p50 ms",9}{"p99 ms",9}{"lag events",12}{"lag age s",11}{"bytes/event",13}{"(window)",10}{"RSS MB",8}{"cpu cores",11}{"load avg",10}");

        var current = new List<double>(65536);
        var windowLock = new Lock();
        var rows = new List<Row>();
        using var lag = new LagSampler(target.Open, batch);
        var sampling = lag.RunAsync();
        var soak = load.RunAsync(concurrency, TimeSpan.FromMinutes(minutes), rate, record: false, ms =>
        {
            lock (windowLock) current.Add(ms);
        });

        var start = Stopwatch.GetTimestamp();
        var cpu = ConsoleProcess.CpuTime(pid);
        var (bytes, events) = (target.DatabaseBytes(), load.Acknowledged.Count * (long)batch);
        for (var n = 1; !soak.IsCompleted; n++)
        {
            var due = TimeSpan.FromTicks(window.Ticks * n) - Stopwatch.GetElapsedTime(start);
            await Task.WhenAny(soak, Task.Delay(due > TimeSpan.Zero ? due : TimeSpan.Zero));
            List<double> latencies;
            lock (windowLock)
            {
                latencies = current;
                current = new List<double>(latencies.Capacity);
            }
            var elapsed = Stopwatch.GetElapsedTime(start) - TimeSpan.FromTicks(window.Ticks * (n - 1));
            latencies.Sort();
            var (lagEvents, lagAge) = lag.TakeWorst();
            var cpuNow = ConsoleProcess.CpuTime(pid);
            // The window's own growth per event as well as the running total: the total carries the empty
            // database and a WAL of up to 64 MB, which weigh on it for the first million events.
            var (bytesNow, eventsNow) = (target.DatabaseBytes(), load.Acknowledged.Count * (long)batch);
            var row = new Row(Stopwatch.GetElapsedTime(start), latencies.Count * batch / elapsed.TotalSeconds, Measure.Percentile(latencies, 0.5), Measure.Percentile(latencies, 0.99),
                lagEvents, lagAge, bytesNow / (double)Math.Max(1, eventsNow), (bytesNow - bytes) / (double)Math.Max(1, eventsNow - events), Measure.ResidentMb(pid),
                (cpuNow - cpu).TotalSeconds / elapsed.TotalSeconds, Measure.LoadAverage());
            (cpu, bytes, events) = (cpuNow, bytesNow, eventsNow);
            if (elapsed < window / 2 && soak.IsCompleted) break; // a sliver after the last full window says nothing
            rows.Add(row);
            Console.WriteLine($"{row.At.TotalSeconds,7:0}s {row.EventsPerSecond,10:N0}{row.P50,9:0.0}{row.P99,9:0.0}{row.LagEvents,12:N0}{row.LagAgeSeconds,11:0.0}{row.BytesPerEvent,13:N0}{row.WindowBytesPerEvent,10:N0}{row.ResidentMb,8:N0}{row.Cores,11:0.00}{row.Load,10}");
        }
        var stats = await soak;

        // How long until the log holds every acknowledged event.
        var stopped = Stopwatch.GetTimestamp();
        var (behind, _) = lag.Now();
        await Eventually.UntilAsync(() => lag.Now().Events == 0, TimeSpan.FromMinutes(30), "the log to catch up", TimeSpan.FromMilliseconds(100));
        var catchUp = Stopwatch.GetElapsedTime(stopped);
        lag.Stop();
        await sampling;

        var tail = rows.Where(r => r.At > rows[^1].At - TimeSpan.FromMinutes(5)).ToList();
        var firstMinute = rows.Where(r => r.At <= TimeSpan.FromMinutes(1) + window / 2).Select(r => r.ResidentMb).DefaultIfEmpty(rows[0].ResidentMb).Max();
        Console.WriteLine($"summary       {stats.Ok * batch:N0} events acknowledged in {stats.Elapsed.TotalMinutes:0.0} min, {stats.Failed} failed; last {tail.Count} windows {tail.Average(r => r.EventsPerSecond):N0} events/s, every window >= {rows.Min(r => r.EventsPerSecond):N0}");
        Console.WriteLine($"              p99 worst window {rows.Max(r => r.P99):0.0} ms; log lag worst {rows.Max(r => r.LagEvents):N0} events, oldest {rows.Max(r => r.LagAgeSeconds):0.0} s");
        Console.WriteLine($"              memory first minute {firstMinute:N0} MB, worst window {rows.Max(r => r.ResidentMb):N0} MB ({(rows.Max(r => r.ResidentMb) / firstMinute - 1) * 100:+0;-0} %); {rows[^1].BytesPerEvent:N0} database bytes per event ({tail.Average(r => r.WindowBytesPerEvent):N0} per event added in the last {tail.Count} windows)");
        Console.WriteLine($"catch-up      {behind:N0} events not yet logged when the load stopped; all logged {catchUp.TotalSeconds:0.0} s later");
        var (stored, missing) = WebhookScenario.Verify(target.Open, load.Acknowledged);
        Console.WriteLine($"verified      {stored} of {load.Acknowledged.Count} acknowledged webhooks (warm-up included) stored with all events; {missing} missing");
        var logged = await WebhookScenario.WaitForLogAsync(target.Open, "event log");
        return missing == 0 && stats.Failed == 0 && logged ? 0 : 1;
    }

    private sealed record Row(TimeSpan At, double EventsPerSecond, double P50, double P99, long LagEvents, double LagAgeSeconds, double BytesPerEvent,
        double WindowBytesPerEvent, double ResidentMb, double Cores, string Load);

    /// <summary>Reads the log's lag every second on a connection of its own, and keeps the worst since the last take.</summary>
    private sealed class LagSampler(Func<DbConnection> open, int batch) : IDisposable
    {
        private readonly DbConnection _connection = open();
        private readonly CancellationTokenSource _stop = new();
        private readonly Lock _lock = new();
        private long _worstEvents;
        private double _worstAge;

        public async Task RunAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                var (events, age) = Now();
                lock (_lock) (_worstEvents, _worstAge) = (Math.Max(_worstEvents, events), Math.Max(_worstAge, age));
                try { await Task.Delay(TimeSpan.FromSeconds(1), _stop.Token); }
                catch (OperationCanceledException) { }
            }
        }

        /// <summary>Events acknowledged but not in the log (deliveries behind the cursor times events per delivery), and the oldest one's age in seconds.</summary>
        public (long Events, double AgeSeconds) Now()
        {
            lock (_connection)
            {
                if (_connection.State != System.Data.ConnectionState.Open) _connection.Open();
                using var cmd = _connection.CreateCommand();
                cmd.CommandText = LagSql;
                using var r = cmd.ExecuteReader();
                r.Read();
                var behind = Convert.ToInt64(r.GetValue(1)) - Convert.ToInt64(r.GetValue(0));
                var age = r.IsDBNull(2) ? 0 : (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - Convert.ToInt64(r.GetValue(2))) / 1000.0;
                return (Math.Max(0, behind) * batch, behind > 0 ? Math.Max(0, age) : 0);
            }
        }

        public (long Events, double AgeSeconds) TakeWorst()
        {
            var now = Now();
            lock (_lock)
            {
                var worst = (Math.Max(_worstEvents, now.Events), Math.Max(_worstAge, now.AgeSeconds));
                (_worstEvents, _worstAge) = (0, 0);
                return worst;
            }
        }

        public void Stop() => _stop.Cancel();

        public void Dispose()
        {
            _stop.Cancel();
            _connection.Dispose();
            _stop.Dispose();
        }
    }
}
