using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using AdminConsole.Channels;
using AdminConsole.LocalChannels;
using Microsoft.Extensions.Options;

namespace AdminConsole.Benchmarks;

/// <summary>
/// Fan-out of HTTP-triggered events to many WebSocket subscribers of one channel on the local server:
/// latency from the trigger call until the last client has the event, and delivered messages per second.
/// </summary>
public static class FanoutScenario
{
    private const string Channel = "bench";

    public const string Usage = """
        fanout: --clients 1000 --events 200 --burst 300   (N sockets on one channel, events via the signed HTTP API)
        """;

    public static async Task<int> RunAsync(BenchArgs args)
    {
        var clientCount = args.Int("clients", 1000);
        var latencyEvents = args.Int("events", 200);
        var burstEvents = args.Int("burst", 300);
        var totalEvents = latencyEvents + burstEvents;

        await using var server = await LocalChannelsServer.StartAsync(new LocalChannelsOptions { AppId = "bench", Key = "bench-key", Secret = "bench-secret" });
        Console.WriteLine($"local server on {server.BaseAddress}; {Environment.ProcessorCount} cores; {clientCount} clients; {latencyEvents} paced + {burstEvents} burst events");

        var received = new int[totalEvents];
        var completedAt = new long[totalEvents];
        var clients = new List<BenchClient>(clientCount);
        var connectWatch = Stopwatch.StartNew();
        for (var start = 0; start < clientCount; start += 50)
        {
            var batch = Enumerable.Range(start, Math.Min(50, clientCount - start))
                .Select(_ => BenchClient.ConnectAsync(server.Port, "bench-key", Channel, received, completedAt, clientCount));
            clients.AddRange(await Task.WhenAll(batch));
        }
        Console.WriteLine($"connected and subscribed {clients.Count} clients in {connectWatch.Elapsed.TotalSeconds:F1} s");
        GC.Collect();
        var managedAfterConnect = GC.GetTotalMemory(forceFullCollection: true);
        var workingSetAfterConnect = Process.GetCurrentProcess().WorkingSet64;

        using var http = new HttpClient();
        var api = new ChannelsClient(http, Options.Create(server.CreateClientOptions()), TimeProvider.System);
        var triggeredAt = new long[totalEvents];

        // Warm-up: JIT, connection pool, first-send paths.
        for (var i = 0; i < 5; i++) await api.TriggerAsync(Channel, "warmup", "{}");

        // Paced: one event at a time, the next only after every client has the previous one; pure fan-out latency.
        var callMs = new double[latencyEvents];
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        for (var seq = 0; seq < latencyEvents; seq++)
        {
            triggeredAt[seq] = Stopwatch.GetTimestamp();
            await api.TriggerAsync(Channel, "tick", Payload(seq));
            callMs[seq] = Stopwatch.GetElapsedTime(triggeredAt[seq]).TotalMilliseconds;
            await WaitAllAsync(received, seq, clientCount);
        }
        Array.Sort(callMs);
        // CPU per delivered message (server send + client receive, both in this process): comparable across machine load.
        var cpuPerMessageUs = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMicroseconds / ((double)latencyEvents * clientCount);
        var paced = Enumerable.Range(0, latencyEvents).Select(i => Stopwatch.GetElapsedTime(triggeredAt[i], completedAt[i]).TotalMilliseconds).Order().ToArray();

        // Burst: triggers back to back from 4 concurrent callers; throughput of deliveries.
        var burstWatch = Stopwatch.StartNew();
        var next = latencyEvents - 1;
        var callers = Enumerable.Range(0, 4).Select(async _ =>
        {
            int seq;
            while ((seq = Interlocked.Increment(ref next)) < totalEvents)
            {
                triggeredAt[seq] = Stopwatch.GetTimestamp();
                await api.TriggerAsync(Channel, "tick", Payload(seq));
            }
        });
        await Task.WhenAll(callers);
        for (var seq = latencyEvents; seq < totalEvents; seq++) await WaitAllAsync(received, seq, clientCount);
        var burstSeconds = burstWatch.Elapsed.TotalSeconds;
        var burst = Enumerable.Range(latencyEvents, burstEvents).Select(i => Stopwatch.GetElapsedTime(triggeredAt[i], completedAt[i]).TotalMilliseconds).Order().ToArray();
        var peakWorkingSet = Process.GetCurrentProcess().PeakWorkingSet64;

        Console.WriteLine();
        Console.WriteLine($"paced fan-out (trigger call -> last of {clientCount} clients has it), {latencyEvents} events:");
        Console.WriteLine($"  p50 {Measure.Percentile(paced, 0.50):F2} ms   p99 {Measure.Percentile(paced, 0.99):F2} ms   max {paced[^1]:F2} ms   (the signed HTTP call itself: p50 {Measure.Percentile(callMs, 0.50):F2} ms, p99 {Measure.Percentile(callMs, 0.99):F2} ms)");
        Console.WriteLine($"  CPU per delivered message (server + client): {cpuPerMessageUs:F1} µs; machine load average {Measure.LoadAverage()} on {Environment.ProcessorCount} cores");
        Console.WriteLine($"burst, {burstEvents} events from 4 concurrent triggers:");
        Console.WriteLine($"  {burstEvents * (double)clientCount / burstSeconds:N0} messages/s delivered ({burstEvents / burstSeconds:N0} events/s)   fan-out p50 {Measure.Percentile(burst, 0.50):F2} ms   p99 {Measure.Percentile(burst, 0.99):F2} ms");
        Console.WriteLine($"memory (server and {clientCount} clients in one process): managed {managedAfterConnect / 1048576.0:F1} MB after connect, working set {workingSetAfterConnect / 1048576.0:F1} MB after connect, peak {peakWorkingSet / 1048576.0:F1} MB");

        await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        return 0;
    }

    private static string Payload(int seq) => string.Create(CultureInfo.InvariantCulture, $"{{\"seq\":{seq}}}");

    private static async Task WaitAllAsync(int[] received, int seq, int clients)
    {
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 10;
        var spins = 0;
        while (Volatile.Read(ref received[seq]) < clients)
        {
            if (Stopwatch.GetTimestamp() > deadline) throw new TimeoutException($"event {seq}: only {received[seq]} of {clients} clients got it");
            // Yield rather than sleep: the measurement comes from the clients' own timestamps, not from this loop.
            if (++spins < 1000) await Task.Yield();
            else await Task.Delay(1);
        }
    }

    private sealed class BenchClient : IAsyncDisposable
    {
        private readonly ClientWebSocket _socket = new();
        private Task? _loop;

        public static async Task<BenchClient> ConnectAsync(int port, string key, string channel, int[] received, long[] completedAt, int clients)
        {
            var c = new BenchClient();
            await c._socket.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/app/{key}?protocol=7&client=bench&version=1.0"), CancellationToken.None);
            var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            c._loop = c.ReceiveLoopAsync(received, completedAt, clients, subscribed);
            var subscribe = Encoding.UTF8.GetBytes($"{{\"event\":\"pusher:subscribe\",\"data\":{{\"channel\":\"{channel}\",\"auth\":\"\"}}}}");
            await c._socket.SendAsync(subscribe, WebSocketMessageType.Text, true, CancellationToken.None);
            await subscribed.Task.WaitAsync(TimeSpan.FromSeconds(30));
            return c;
        }

        private async Task ReceiveLoopAsync(int[] received, long[] completedAt, int clients, TaskCompletionSource subscribed)
        {
            var buffer = new byte[4096];
            try
            {
                while (_socket.State == WebSocketState.Open)
                {
                    var length = 0;
                    ValueWebSocketReceiveResult r;
                    do
                    {
                        r = await _socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                        if (r.MessageType == WebSocketMessageType.Close) return;
                        length += r.Count;
                    } while (!r.EndOfMessage);
                    var now = Stopwatch.GetTimestamp();
                    var (eventName, seq) = Parse(buffer.AsSpan(0, length));
                    if (eventName == "pusher_internal:subscription_succeeded") subscribed.TrySetResult();
                    else if (eventName == "tick" && seq >= 0 && Interlocked.Increment(ref received[seq]) == clients) completedAt[seq] = now;
                }
            }
            catch (WebSocketException)
            {
            }
        }

        private static (string? Event, int Seq) Parse(ReadOnlySpan<byte> frame)
        {
            var reader = new Utf8JsonReader(frame);
            string? eventName = null;
            var seq = -1;
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1) continue;
                if (reader.ValueTextEquals("event"u8)) { reader.Read(); eventName = reader.GetString(); }
                else if (reader.ValueTextEquals("data"u8))
                {
                    reader.Read();
                    var data = reader.GetString();
                    var at = data?.IndexOf("\"seq\":", StringComparison.Ordinal) ?? -1;
                    if (at >= 0) seq = int.Parse(data.AsSpan(at + 6).TrimEnd('}'), CultureInfo.InvariantCulture);
                }
                else reader.Skip();
            }
            return (eventName, seq);
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                if (_socket.State == WebSocketState.Open) await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
            }
            if (_loop is not null) await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _socket.Dispose();
        }
    }
}
