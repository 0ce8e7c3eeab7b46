using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AdminConsole.Benchmarks;

/// <summary>
/// A lean HTTP/1.1 keep-alive load generator: one socket per simulated client, requests pre-built as bytes, responses
/// parsed just enough to find the status, the end of the body and a renewed auth cookie. The .NET HttpClient it
/// replaces cost about as much CPU per request as the console itself, and on two shared cores that capped the
/// measurement at the generator's speed. Closed loop: each connection sends its next request when the answer came.
/// </summary>
public sealed class RawHttpClient
{
    /// <summary>One simulated browser: its connection and the requests it sends (rebuilt when the server renews its cookie).</summary>
    public sealed class Client(Socket socket, RawHttpClient.RequestFactory requests)
    {
        public Socket Socket { get; } = socket;
        public RequestFactory Requests { get; } = requests;
        public byte[] Buffer { get; } = new byte[16 * 1024];
    }

    /// <summary>Builds a client's request bytes for its current cookie.</summary>
    public sealed class RequestFactory(string host, string cookieName, string cookieValue, string authBody)
    {
        private string _cookie = cookieValue;
        public byte[] Auth { get; private set; } = [];
        public byte[] Live { get; private set; } = [];
        public int Renewals { get; private set; }

        public RequestFactory Build()
        {
            Auth = Encoding.ASCII.GetBytes(
                $"POST /pusher/auth HTTP/1.1\r\nHost: {host}\r\nCookie: {cookieName}={_cookie}\r\n" +
                $"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {authBody.Length}\r\n\r\n{authBody}");
            Live = Encoding.ASCII.GetBytes($"GET /health/live HTTP/1.1\r\nHost: {host}\r\nCookie: {cookieName}={_cookie}\r\n\r\n");
            return this;
        }

        /// <summary>Like a browser: a renewed cookie (sliding expiration, security stamp revalidation) replaces the old one.</summary>
        public void Renew(string value)
        {
            _cookie = value;
            Renewals++;
            Build();
        }

        public string CookieName => cookieName;
    }

    public readonly record struct Answer(int Status, bool BodyOk);

    public static async Task<Client> ConnectAsync(IPEndPoint endPoint, RequestFactory requests)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint);
        return new Client(socket, requests);
    }

    public static async Task SendAsync(Client client, byte[] request)
    {
        var sent = 0;
        while (sent < request.Length)
            sent += await client.Socket.SendAsync(request.AsMemory(sent), SocketFlags.None);
    }

    /// <summary>Reads one response (Content-Length or chunked); <paramref name="expectInBody"/> must appear in its body.</summary>
    public static async Task<Answer> ReceiveAsync(Client client, string? expectInBody)
    {
        var buf = client.Buffer;
        var len = 0;
        int headerEnd;
        while ((headerEnd = IndexOf(buf, len, "\r\n\r\n"u8)) < 0)
            len += await ReadMoreAsync(client, len);

        var head = Encoding.ASCII.GetString(buf, 0, headerEnd);
        var status = int.Parse(head.AsSpan(9, 3));
        var bodyStart = headerEnd + 4;
        long? contentLength = null;
        var chunked = false;
        foreach (var line in head.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                contentLength = long.Parse(line.AsSpan(15).Trim());
            else if (line.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase) && line.Contains("chunked", StringComparison.OrdinalIgnoreCase))
                chunked = true;
            else if (line.StartsWith("Set-Cookie:", StringComparison.OrdinalIgnoreCase))
            {
                var value = line[11..].Trim();
                var name = client.Requests.CookieName + "=";
                if (value.StartsWith(name, StringComparison.Ordinal))
                {
                    var end = value.IndexOf(';');
                    client.Requests.Renew(value[name.Length..(end < 0 ? value.Length : end)]);
                }
            }
        }

        int bodyEnd;
        if (chunked)
        {
            // The bodies here are small: wait for the last chunk (a zero size line and the empty trailer).
            while ((bodyEnd = IndexOf(buf, len, "0\r\n\r\n"u8, bodyStart)) < 0)
                len += await ReadMoreAsync(client, len);
            bodyEnd += 5;
        }
        else
        {
            bodyEnd = bodyStart + (int)(contentLength ?? 0);
            while (len < bodyEnd)
                len += await ReadMoreAsync(client, len);
        }
        if (len != bodyEnd)
            throw new InvalidOperationException("Unexpected bytes after the response (the generator does not pipeline).");

        var bodyOk = expectInBody is null || Encoding.ASCII.GetString(buf, bodyStart, bodyEnd - bodyStart).Contains(expectInBody, StringComparison.Ordinal);
        return new Answer(status, bodyOk);
    }

    private static async ValueTask<int> ReadMoreAsync(Client client, int len)
    {
        if (len == client.Buffer.Length)
            throw new InvalidOperationException("Response larger than the generator's buffer.");
        var n = await client.Socket.ReceiveAsync(client.Buffer.AsMemory(len), SocketFlags.None);
        if (n == 0)
            throw new IOException("The server closed the connection.");
        return n;
    }

    private static int IndexOf(byte[] buf, int len, ReadOnlySpan<byte> what, int from = 0) =>
        len <= from ? -1 : buf.AsSpan(from, len - from).IndexOf(what) is var i and >= 0 ? from + i : -1;

    /// <summary>Client-side latencies of one phase and how many answers were not what was expected.</summary>
    public sealed class Tally
    {
        private readonly List<double>[] _perWorker;
        private int _failures;

        public Tally(int workers) => _perWorker = Enumerable.Range(0, workers).Select(_ => new List<double>(1 << 16)).ToArray();

        public void Add(int worker, double ms, bool ok)
        {
            _perWorker[worker].Add(ms);
            if (!ok) Interlocked.Increment(ref _failures);
        }

        public int Failures => Volatile.Read(ref _failures);
        public double[] Latencies() => _perWorker.SelectMany(l => l).ToArray();
    }

    /// <summary>Every client sends request after request until <paramref name="duration"/> is over.</summary>
    public static async Task<(Tally Tally, TimeSpan Elapsed)> RunClosedLoopAsync(IReadOnlyList<Client> clients, TimeSpan duration, bool auth)
    {
        var tally = new Tally(clients.Count);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(clients.Select((c, w) => Task.Run(async () =>
        {
            while (clock.Elapsed < duration)
            {
                var t0 = Stopwatch.GetTimestamp();
                await SendAsync(c, auth ? c.Requests.Auth : c.Requests.Live);
                var answer = await ReceiveAsync(c, auth ? "\"auth\":" : "Healthy");
                tally.Add(w, Stopwatch.GetElapsedTime(t0).TotalMilliseconds, answer.Status == 200 && answer.BodyOk);
            }
        })));
        return (tally, clock.Elapsed);
    }

    /// <summary>
    /// One authorization per client, the sends spread evenly over <paramref name="window"/> (zero: all due at once and
    /// written back to back). Each latency is measured from the moment the request was due, so a late sender does not
    /// hide queueing. Runs on a thread of its own, sending and polling the sockets itself: with async receives, the
    /// generator's completions waited in the thread pool behind the console's own work (same process), and a burst's
    /// answers all seemed to arrive at its very end.
    /// </summary>
    public static Task<(Tally Tally, TimeSpan Elapsed)> BurstAsync(IReadOnlyList<Client> clients, TimeSpan window, Action<TimeSpan>? sent = null) =>
        Task.Factory.StartNew(() => Burst(clients, window, sent), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static (Tally Tally, TimeSpan Elapsed) Burst(IReadOnlyList<Client> clients, TimeSpan window, Action<TimeSpan>? sent)
    {
        var n = clients.Count;
        var tally = new Tally(1);
        var pending = new Dictionary<Socket, int>(n);
        var ready = new List<Socket>(n);
        TimeSpan Due(int i) => window * i / n;
        var clock = Stopwatch.StartNew();
        int next = 0, done = 0;
        while (done < n)
        {
            while (next < n && clock.Elapsed >= Due(next))
            {
                // A request is ~1 KB and the socket's buffer empty: a synchronous send does not block.
                clients[next].Socket.Send(clients[next].Requests.Auth);
                pending[clients[next].Socket] = next;
                if (++next == n) sent?.Invoke(clock.Elapsed);
            }
            if (pending.Count == 0)
            {
                Thread.SpinWait(20);
                continue;
            }
            ready.Clear();
            ready.AddRange(pending.Keys);
            var waitUs = next < n ? Math.Max(0, (int)(Due(next) - clock.Elapsed).TotalMicroseconds) : 1_000_000;
            Socket.Select(ready, null, null, waitUs);
            var now = clock.Elapsed;
            foreach (var socket in ready)
            {
                var i = pending[socket];
                pending.Remove(socket);
                // The data is there: this completes synchronously unless the answer is split across segments.
                var answer = ReceiveAsync(clients[i], "\"auth\":").GetAwaiter().GetResult();
                tally.Add(0, (now - Due(i)).TotalMilliseconds, answer.Status == 200 && answer.BodyOk);
                done++;
            }
        }
        return (tally, clock.Elapsed);
    }
}
