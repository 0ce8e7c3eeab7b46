using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using AdminConsole.Channels;

namespace AdminConsole.Benchmarks;

/// <summary>
/// Signed webhooks with fresh bodies from a number of connections, closed loop or paced (open loop); shared by the
/// <c>webhooks</c> and <c>soak</c> scenarios. With several clients (one per console instance) request n goes to client
/// n mod count, as a round-robin load balancer would send it.
/// </summary>
internal sealed class WebhookLoad(IReadOnlyList<HttpClient> clients, WebhookSigner signer, string key, int batch)
{
    public WebhookLoad(HttpClient http, WebhookSigner signer, string key, int batch) : this([http], signer, key, batch)
    {
    }

    private long _sequence;
    // Unique per run and request, so no body repeats (a repeat would be a duplicate, not a new webhook).
    private readonly long _timeBase = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public ConcurrentBag<(long Batch, int Events)> Acknowledged { get; } = [];

    /// <param name="acknowledged">Called on every 200 with its latency in ms (from when the request was due), e.g. for per-window figures.</param>
    public async Task<Stats> RunAsync(int concurrency, TimeSpan duration, double rate, bool record, Action<double>? acknowledged = null)
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
                    acknowledged?.Invoke(ms);
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
            using var response = await clients[(int)(n % clients.Count)].SendAsync(request);
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

/// <summary>What one <see cref="WebhookLoad.RunAsync"/> did.</summary>
internal sealed class Stats
{
    public int Ok;
    public int Failed;
    public List<double> Latencies { get; } = [];
    public TimeSpan Elapsed;
}
