using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace AdminConsole.Web.Tests.Shell;

/// <summary>
/// Several thousand malformed requests, from a fixed seed, to each public and cookie-authenticated endpoint of the
/// console on a real Kestrel socket: bodies, content types, charsets, framings (chunked, cut off, conflicting
/// lengths), sizes, form shapes (NULs, `code=`, brackets, duplicates, too many or too long fields), broken JSON and
/// Unicode, signed and unsigned webhooks, hostile query strings. Each answer is read as raw bytes: the test fails on
/// any 5xx, any status line that is not <c>HTTP/1.1 ddd</c>, no answer at all, or a status outside the endpoint's
/// documented set (docs/api.md). Reproduce a failure with the seed and the request number it prints.
/// </summary>
public sealed class HostileInputTests(HostileInputTests.KestrelConsole console, ITestOutputHelper output) : IClassFixture<HostileInputTests.KestrelConsole>
{
    public const int Seed = 20261130;

    /// <summary>Requests per endpoint; the whole test stays well under two minutes on a loaded CI machine.</summary>
    private const int PerEndpoint = 1500;

    /// <summary>The console on Kestrel (not TestServer: only a socket shows the status line as sent), limits raised
    /// so the bodies are parsed rather than refused by a rate limiter.</summary>
    public sealed class KestrelConsole : PusherConsoleFactory
    {
        public KestrelConsole() => UseKestrel(0);

        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
            [.. base.Settings, new("Compose:RateLimit:PermitLimit", "1000000"), new("Pusher:Timeout", "00:00:10")];

        public Uri BaseAddress
        {
            get
            {
                StartServer();
                var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
                return new Uri(address.Replace("[::]", "127.0.0.1").Replace("localhost", "127.0.0.1"));
            }
        }
    }

    private sealed record Endpoint(string Name, int[] Documented, Func<Random, RawRequest> Next);

    [Fact]
    public async Task No_malformed_request_gets_a_5xx_an_invalid_status_line_or_an_undocumented_status()
    {
        var baseAddress = console.BaseAddress;
        var student = await SessionAsync(baseAddress, DemoUser.Student, "/Student");
        var teacher = await SessionAsync(baseAddress, DemoUser.Teacher, "/Compose");
        var admin = await SessionAsync(baseAddress, DemoUser.Admin, "/Compose");
        var anonymous = await SessionAsync(baseAddress, null, "/Identity/Account/Login");

        Endpoint[] endpoints =
        [
            // docs/api.md's sets, less the 5xx that only a missing or failing Pusher app or store explains: here both
            // work, so any 5xx is a failure. POST /pusher/auth and /pusher/user-auth:
            new("POST /pusher/auth", [200, 400, 403, 429], r => Forms.Auth(r, "/pusher/auth", student)),
            new("POST /pusher/user-auth", [200, 400, 403, 429], r => Forms.Auth(r, "/pusher/user-auth", student)),
            new("POST /pusher/auth (signed out)", [400, 401, 429], r => Forms.Auth(r, "/pusher/auth", anonymous)),
            // docs/api.md: POST /realtime/trigger.
            new("POST /realtime/trigger", [200, 400, 403, 429], r => Json.Trigger(r, r.Next(2) == 0 ? teacher : admin)),
            // docs/api.md: POST /pusher/webhook (429: the rejection throttle).
            new("POST /pusher/webhook", [200, 400, 401, 413, 429], Json.Webhook),
            // docs/api.md: GET /EventLog/export.csv, /EventLog/export.jsonl and /EventLog/activity (414: a request line over Kestrel's 8 KB).
            new("GET /EventLog/export.csv, /EventLog/export.jsonl, /EventLog/activity", [200, 400, 414], r => Queries.EventLog(r, admin)),
            // The sign-in form: the page again (200, 400 for a malformed field or token), or a redirect.
            new("POST /Identity/Account/Login", [200, 302, 400], r => Forms.Login(r, anonymous)),
            // Pages and the status-code page under hostile forms and queries: the page, a redirect, or a real error.
            new("pages", [200, 302, 400, 403, 404, 405], r => Forms.Page(r, r.Next(3) == 0 ? admin : student)),
        ];

        var failures = new ConcurrentQueue<string>();
        var counts = endpoints.ToDictionary(e => e.Name, _ => new ConcurrentDictionary<int, int>());
        var clock = Stopwatch.StartNew();
        foreach (var (endpoint, index) in endpoints.Select((e, i) => (e, i)))
        {
            // One generator per endpoint, from the seed: the same requests every run, whatever runs in parallel.
            var random = new Random(Seed + index);
            var requests = Enumerable.Range(0, PerEndpoint).Select(n => (n, Request: endpoint.Next(random))).ToList();
            await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (item, ct) =>
            {
                int status;
                string line;
                try
                {
                    (status, line) = await RawHttp.SendAsync(baseAddress, item.Request, ct);
                }
                catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
                {
                    (status, line) = (-1, "no answer: " + e.Message);
                }
                counts[endpoint.Name].AddOrUpdate(status, 1, (_, c) => c + 1);
                // A client that hangs up mid-body may get no answer; what it does get must still be right.
                if (status == -1 && item.Request.Framing == Framing.CutOff && !line.StartsWith("HTTP", StringComparison.Ordinal))
                    return;
                if (status is < 100 or > 599 || !endpoint.Documented.Contains(status))
                    failures.Enqueue($"{endpoint.Name} #{item.n} (seed {Seed + index}): '{line}' for {item.Request.Describe()}");
            });
        }

        var total = counts.Values.Sum(c => c.Values.Sum());
        output.WriteLine($"{total} hostile requests in {clock.Elapsed.TotalSeconds:F1} s (seed {Seed}):");
        foreach (var (name, byStatus) in counts)
            output.WriteLine($"  {name}: {byStatus.Values.Sum()} — " + string.Join(", ", byStatus.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}")));
        Assert.True(failures.IsEmpty, $"{failures.Count} of {total} answers were wrong:\n" + string.Join("\n", failures.Take(25)));
        // Nothing failed unseen either (a request whose client had gone, a write after the answer): no unhandled exception.
        var unhandled = console.Logs.Lines.Where(l => l.StartsWith("Error ", StringComparison.Ordinal) || l.StartsWith("Critical ", StringComparison.Ordinal)).ToList();
        Assert.True(unhandled.Count == 0, $"{unhandled.Count} errors logged:\n" + string.Join("\n", unhandled.Take(5)));
        Assert.Equal(endpoints.Length * PerEndpoint, total);
        // The generators must reach past the front door: each endpoint answers something other than 400 too.
        Assert.All(counts, c => Assert.True(c.Value.Keys.Count(k => k != 400) > 0, $"{c.Key} only ever answered 400"));
    }

    /// <summary>A signed-in (or anonymous) browser: its cookies and a page's antiforgery token.</summary>
    public sealed record Session(string Cookie, string Token);

    private static async Task<Session> SessionAsync(Uri baseAddress, DemoUser? user, string tokenPage)
    {
        var cookies = new CookieContainer();
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = baseAddress };
        if (user is not null)
        {
            var response = await http.PostFormAsync("/Identity/Account/Login", new()
            {
                ["Input.Email"] = user.Email,
                ["Input.Password"] = user.Password,
            });
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        }
        var token = await http.GetAntiforgeryTokenAsync(tokenPage);
        return new Session(cookies.GetCookieHeader(baseAddress), token);
    }

    /// <summary>One request as bytes on the wire, and how to frame its body.</summary>
    public sealed record RawRequest(string Method, string Target, IReadOnlyList<(string Name, string Value)> Headers, byte[] Body)
    {
        public Framing Framing { get; init; } = Framing.ContentLength;

        public string Describe()
        {
            var body = Encoding.UTF8.GetString(Body.AsSpan(0, Math.Min(Body.Length, 160)));
            return $"{Method} {Target[..Math.Min(Target.Length, 160)]} [{Framing}] {string.Join("; ", Headers.Select(h => h.Name + ": " + h.Value[..Math.Min(h.Value.Length, 80)]))} body({Body.Length}) {body}";
        }
    }

    public enum Framing { ContentLength, Chunked, BrokenChunk, CutOff, TwoLengths, LengthAndChunked }

    private static class RawHttp
    {
        private static readonly Regex StatusLine = new(@"^HTTP/1\.1 (\d{3})(?: [^\r\n]*)?$", RegexOptions.CultureInvariant);

        /// <summary>Sends the request on a fresh connection and returns the status and the status line as received
        /// (-1 when there is no valid status line).</summary>
        public static async Task<(int Status, string Line)> SendAsync(Uri baseAddress, RawRequest request, CancellationToken ct)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(baseAddress.Host, baseAddress.Port, timeout.Token);
            await using var stream = new NetworkStream(socket, ownsSocket: false);

            var head = new StringBuilder();
            head.Append(request.Method).Append(' ').Append(request.Target).Append(" HTTP/1.1\r\n");
            head.Append("Host: ").Append(baseAddress.Authority).Append("\r\nConnection: close\r\n");
            foreach (var (name, value) in request.Headers)
                head.Append(name).Append(": ").Append(value).Append("\r\n");
            var body = request.Body;
            switch (request.Framing)
            {
                case Framing.ContentLength:
                    head.Append("Content-Length: ").Append(body.Length).Append("\r\n");
                    break;
                case Framing.CutOff:
                    // Announces more than it sends, then ends the stream: a body cut off before its end.
                    head.Append("Content-Length: ").Append(body.Length + 1 + body.Length / 2).Append("\r\n");
                    break;
                case Framing.TwoLengths:
                    head.Append("Content-Length: ").Append(body.Length).Append("\r\nContent-Length: ").Append(body.Length + 3).Append("\r\n");
                    break;
                default:
                    // Both headers: Transfer-Encoding wins (RFC 9112 6.3), so the body is sent chunked; sent raw, the
                    // server rightly waits for chunks that never come and answers 408.
                    if (request.Framing == Framing.LengthAndChunked)
                        head.Append("Content-Length: ").Append(body.Length).Append("\r\n");
                    head.Append("Transfer-Encoding: chunked\r\n");
                    var chunked = new MemoryStream();
                    var size = request.Framing == Framing.BrokenChunk ? "zz" : body.Length.ToString("x");
                    if (body.Length > 0)
                        chunked.Write(Encoding.ASCII.GetBytes(size + "\r\n").Concat(body).Concat("\r\n"u8.ToArray()).ToArray());
                    chunked.Write("0\r\n\r\n"u8);
                    body = chunked.ToArray();
                    break;
            }
            head.Append("\r\n");
            // Latin-1: header values carry the generator's raw bytes (0x80-0xFF) as they are.
            var bytes = Encoding.Latin1.GetBytes(head.ToString()).Concat(body).ToArray();
            try
            {
                await stream.WriteAsync(bytes, timeout.Token);
                // Only a cut-off body ends the stream early: Kestrel takes a client's FIN for a client that has gone
                // and abandons its request.
                if (request.Framing == Framing.CutOff)
                    socket.Shutdown(SocketShutdown.Send);
            }
            catch (IOException)
            {
                // The server may answer and close before reading everything (a 400 on the headers, a 413): read on.
            }
            catch (SocketException)
            {
            }

            var response = new MemoryStream();
            var buffer = new byte[8192];
            try
            {
                int read;
                while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0 && response.Length < 64 * 1024)
                    response.Write(buffer, 0, read);
            }
            catch (IOException) when (response.Length > 0)
            {
                // Reset after the answer (the server discards an unread body): the answer is what counts.
            }
            var text = Encoding.Latin1.GetString(response.ToArray());
            var line = text.Split("\r\n", 2)[0];
            if (line.Length == 0)
                line = "no answer: the connection closed";
            var match = StatusLine.Match(line);
            return (match.Success ? int.Parse(match.Groups[1].Value) : -1, line);
        }
    }

    /// <summary>Hostile pieces the generators combine.</summary>
    private static class Pieces
    {
        public static readonly string[] Strings =
        [
            "", " ", "%00", "\0", "a\0b", "1.1", "1234.5678", "1.1%00", "-1.-1", "1.1.1", "01.01", "99999999999999999999.1",
            "private-user-1", "private-class-1", "presence-class-1", "presence-student", "private-encrypted-class-1",
            "presence-cache-x", "#server-to-user-1", "public", "private-", "presence-", "private-class-999999999999",
            "private-class-1%00", "private-class-1\0", "ü", "😀", "\ud800", "%ED%A0%80", "%C3", "%FF", "%zz", "%", "%%",
            "+", "&", "=", "[", "]", "a[b", "a]b", "[0]", "code", "200", "0", "-1", "abc", "null", "true", "{}", "[]",
            "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd", "\r\nX-Injected: 1", "%0d%0aX: 1",
            new string('a', 165), new string('x', 2049), "a\u202Eb", "\uFEFF", "\t", "\x7F",
        ];

        public static readonly string[] Keys =
        [
            "socket_id", "channel_name", "code", "code", "code[]", "a[", "a]", "a[b]c", "[", "]", "[]", "a.b", "Input.Email",
            "handler", "__RequestVerificationToken", "returnUrl", "", "%00", "k\0", "socket_id[]", "channel_name[0]",
            "ü", "x%zz", "callback", "channel_data", "auth",
        ];

        public static readonly string[] FormTypes =
        [
            "application/x-www-form-urlencoded", "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-8",
            "application/x-www-form-urlencoded; charset=latin1", "application/x-www-form-urlencoded; charset=bogus",
            "application/x-www-form-urlencoded; charset=\"", "multipart/form-data", "multipart/form-data; boundary=",
            "multipart/form-data; boundary=b0undary", "multipart/form-data; boundary=\"" + new string('b', 80) + "\"",
            "application/json", "text/plain", "application/octet-stream", "", "*/*", ";;;", "application/x-www-form-urlencoded; x=\u00ff",
        ];

        public static string Pick(Random r, string[] from) => from[r.Next(from.Length)];

        public static string Escaped(Random r, string value) => r.Next(4) switch
        {
            0 => value, // raw: '&', '=', '%' and NULs as they are
            1 => Uri.EscapeDataString(value.Replace("\ud800", "?")),
            _ => value.Replace("&", "%26").Replace("=", "%3D").Replace("\0", "%00"),
        };

        public static byte[] Garbage(Random r, int max)
        {
            var bytes = new byte[r.Next(max)];
            r.NextBytes(bytes);
            return bytes;
        }

        public static Framing AnyFraming(Random r) => r.Next(12) switch
        {
            0 => Framing.Chunked,
            1 => Framing.CutOff,
            2 => Framing.BrokenChunk,
            3 => Framing.TwoLengths,
            4 => Framing.LengthAndChunked,
            _ => Framing.ContentLength,
        };

        /// <summary>A form body: the fields an endpoint reads (or not), with hostile extras in hostile shapes.</summary>
        public static byte[] Form(Random r, params string[] fields)
        {
            var parts = new List<string>();
            foreach (var field in fields)
                if (r.Next(6) > 0)
                    parts.Add(field + "=" + Escaped(r, Pick(r, Strings)));
            switch (r.Next(10))
            {
                case 0:
                    parts.AddRange(Enumerable.Range(0, 1000 + r.Next(100)).Select(i => $"f{i}=1"));
                    break;
                case 1:
                    parts.Add(new string('k', 2000 + r.Next(100)) + "=1");
                    break;
                case 2:
                    parts.Add("v=" + new string('v', r.Next(200_000)));
                    break;
                case 3:
                    return Garbage(r, 4096);
            }
            for (var i = r.Next(4); i > 0; i--)
                parts.Insert(r.Next(parts.Count + 1), Escaped(r, Pick(r, Keys)) + (r.Next(5) == 0 ? "" : "=" + Escaped(r, Pick(r, Strings))));
            var text = string.Join(r.Next(10) == 0 ? ";" : "&", parts);
            if (r.Next(8) == 0)
                text = text[..r.Next(text.Length + 1)];
            return Encoding.UTF8.GetBytes(text.Replace("\ud800", "\ufffd"));
        }

        public static byte[] Multipart(Random r, string boundary, params string[] fields)
        {
            var sb = new StringBuilder();
            foreach (var field in fields.Concat([Pick(r, Keys)]))
                sb.Append("--").Append(boundary).Append("\r\nContent-Disposition: form-data; name=\"").Append(field).Append("\"\r\n\r\n").Append(Pick(r, Strings)).Append("\r\n");
            if (r.Next(3) > 0)
                sb.Append("--").Append(boundary).Append("--\r\n");
            var text = sb.ToString().Replace("\ud800", "\ufffd");
            return Encoding.UTF8.GetBytes(r.Next(5) == 0 ? text[..r.Next(text.Length + 1)] : text);
        }
    }

    private static class Forms
    {
        public static RawRequest Auth(Random r, string path, Session session)
        {
            var type = Pieces.Pick(r, Pieces.FormTypes);
            var body = type == "multipart/form-data; boundary=b0undary"
                ? Pieces.Multipart(r, "b0undary", "socket_id", "channel_name")
                : Pieces.Form(r, "socket_id", "channel_name");
            var headers = new List<(string, string)> { ("Cookie", session.Cookie) };
            if (type.Length > 0)
                headers.Add(("Content-Type", type));
            if (r.Next(10) == 0)
                headers.Add(("Content-Encoding", Pieces.Pick(r, ["gzip", "br", "identity", "bogus"])));
            if (r.Next(15) == 0)
                headers.Add(("X-Forwarded-For", Pieces.Pick(r, ["1.2.3.4", "garbage", "::1, 10.0.0.1", "[::1]:80"])));
            var query = r.Next(6) == 0 ? "?" + Pieces.Escaped(r, Pieces.Pick(r, Pieces.Keys)) + "=" + Pieces.Escaped(r, Pieces.Pick(r, Pieces.Strings)) : "";
            return new RawRequest("POST", path + query.Replace("\0", "%00").Replace(" ", "%20").Replace("\r", "%0D").Replace("\n", "%0A"), headers, body) { Framing = Pieces.AnyFraming(r) };
        }

        public static RawRequest Login(Random r, Session anonymous)
        {
            var fields = new List<string> { "Input.Email", "Input.Password", "Input.RememberMe", "returnUrl" };
            var body = Encoding.UTF8.GetString(Pieces.Form(r, [.. fields]));
            // Mostly with the page's token, so the form is bound and validated rather than refused at the door.
            if (r.Next(5) > 0)
                body += "&__RequestVerificationToken=" + Uri.EscapeDataString(anonymous.Token);
            if (r.Next(4) == 0)
                body += "&Input.RememberMe=" + Pieces.Pick(r, ["maybe", "true", "false", "2", "", "on", "%00", "true,false"]);
            var target = "/Identity/Account/Login" + (r.Next(3) == 0 ? "?returnUrl=" + Uri.EscapeDataString(Pieces.Pick(r, ["https://evil.example/", "//evil", "/\\evil", "/EventLog", "javascript:x", "%00"])) : "");
            var request = new RawRequest("POST", target, [("Cookie", anonymous.Cookie), ("Content-Type", r.Next(6) == 0 ? Pieces.Pick(r, Pieces.FormTypes) : "application/x-www-form-urlencoded")],
                Encoding.UTF8.GetBytes(body));
            return request with { Framing = r.Next(4) == 0 ? Pieces.AnyFraming(r) : Framing.ContentLength };
        }

        private static readonly string[] PagePaths =
        [
            "/", "/Users", "/Users/Create", "/Classes/Create", "/Student", "/Compose", "/EventLog", "/EventLog/Entry/1", "/EventLog/Entry/abc",
            "/Channels/Detail", "/Channels/Reconcile", "/Identity/Account/Manage", "/Identity/Account/Manage/ChangePassword",
            "/no-such-page", "/Errors/Status/0", "/Errors/Status/200", "/Errors/Error", "/pusher/nothing",
            "/hubs/console/negotiate", "/health/ready",
        ];

        public static RawRequest Page(Random r, Session session)
        {
            var path = Pieces.Pick(r, PagePaths);
            var query = r.Next(2) == 0 ? "" : "?" + string.Join("&", Enumerable.Range(0, 1 + r.Next(4)).Select(_ =>
                Uri.EscapeDataString(Pieces.Pick(r, [.. Pieces.Keys, "q", "p", "before", "name", "kind", "from", "to", "range"])) + "=" + Uri.EscapeDataString(Pieces.Pick(r, Pieces.Strings).Replace("\ud800", "?"))));
            if (r.Next(3) == 0)
                return new RawRequest("GET", path + query, [("Cookie", session.Cookie)], []);
            var body = Encoding.UTF8.GetString(Pieces.Form(r, "code", "Input.Email", "handler"));
            if (r.Next(2) == 0)
                body += "&__RequestVerificationToken=" + Uri.EscapeDataString(session.Token);
            var request = new RawRequest(Pieces.Pick(r, ["POST", "POST", "POST", "PUT", "DELETE", "PATCH"]), path + query,
                [("Cookie", session.Cookie), ("Content-Type", Pieces.Pick(r, Pieces.FormTypes))], Encoding.UTF8.GetBytes(body));
            return request with { Framing = Pieces.AnyFraming(r) };
        }
    }

    private static class Json
    {
        private static readonly string[] Values =
        [
            "\"public\"", "\"private-class-1\"", "\"presence-class-1\"", "\"private-encrypted-class-1\"", "\"#server-to-user-1\"",
            "\"\\ud800\"", "\"\\udfff\"", "\"\\u0000\"", "\"a\\u0000b\"", "\"\\ud83d\\ude00\"", "\"\\x\"", "\"\\u12\"", "\"ok\"", "\"\"",
            "\"client-x\"", "\"pusher:x\"", "\"" + new string('e', 201) + "\"", "\"" + new string('d', 10_300) + "\"",
            "1", "-0", "1e999", "12345678901234567890123456789", "NaN", "true", "null", "[]", "{}", "[\"public\"]",
            "[\"public\",\"public\"]", "[null]", "[1,2]", "{\"a\":\"\\ud800\"}", "[" + string.Join(",", Enumerable.Repeat("\"c\"", 101)) + "]",
            new string('[', 80) + new string(']', 80), "\"1.1\"", "\"1.1\\u0000\"",
        ];

        private static readonly string[] TriggerFields = ["channel", "channels", "event", "data", "socket_id", "code", "name"];
        private static readonly string[] WebhookFields = ["time_ms", "events", "name", "channel", "user_id", "event", "data", "socket_id"];
        private static readonly string[] EventNames = ["channel_occupied", "channel_vacated", "member_added", "member_removed", "client_event", "cache_miss", "subscription_count", "x"];

        public static byte[] Body(Random r, string[] fields, Func<string>? nested = null)
        {
            var members = new List<string>();
            foreach (var field in fields)
                if (r.Next(4) > 0)
                    members.Add($"\"{field}\":{(nested is not null && field == "events" && r.Next(3) > 0 ? nested() : Pieces.Pick(r, Values))}");
            var text = "{" + string.Join(",", members) + "}";
            var bytes = Encoding.UTF8.GetBytes(text).ToList();
            switch (r.Next(12))
            {
                case 0: bytes = bytes.Take(r.Next(bytes.Count + 1)).ToList(); break; // cut off
                case 1: bytes.InsertRange(r.Next(bytes.Count), [0xFF]); break; // not UTF-8
                case 2: bytes.InsertRange(r.Next(bytes.Count), [0xED, 0xA0, 0x80]); break; // CESU surrogate
                case 3: bytes.InsertRange(0, [0xEF, 0xBB, 0xBF]); break; // BOM
                case 4: bytes.InsertRange(r.Next(bytes.Count), [0]); break;
                case 5: return Pieces.Garbage(r, 2048);
                case 6: return Encoding.UTF8.GetBytes(Pieces.Pick(r, Values));
            }
            return [.. bytes];
        }

        public static RawRequest Trigger(Random r, Session session)
        {
            var headers = new List<(string, string)> { ("Cookie", session.Cookie) };
            if (r.Next(8) > 0)
                headers.Add(("RequestVerificationToken", r.Next(20) == 0 ? "forged" : session.Token));
            headers.Add(("Content-Type", r.Next(5) > 0 ? "application/json" : Pieces.Pick(r, ["application/json; charset=latin1", "application/json; charset=utf-16", "text/json", "application/x-www-form-urlencoded", "", "application/problem+json"])));
            return new RawRequest("POST", "/realtime/trigger", headers, Body(r, TriggerFields)) { Framing = Pieces.AnyFraming(r) };
        }

        public static RawRequest Webhook(Random r)
        {
            byte[] body;
            if (r.Next(100) == 0)
                body = Encoding.UTF8.GetBytes("{\"time_ms\":1,\"events\":[{\"name\":\"client_event\",\"channel\":\"x\",\"data\":\"" + new string('w', 1_100_000) + "\"}]}");
            else
                body = Body(r, ["time_ms", "events"], () => "[" + string.Join(",", Enumerable.Range(0, r.Next(4)).Select(_ =>
                    Encoding.UTF8.GetString(Body(r, WebhookFields)).Replace("\"name\":\"ok\"", $"\"name\":\"{Pieces.Pick(r, EventNames)}\""))) + "]");
            var headers = new List<(string, string)> { ("Content-Type", r.Next(6) > 0 ? "application/json" : Pieces.Pick(r, Pieces.FormTypes)) };
            // Most are signed with the app's secret, so their bodies reach the parser; the rest are forged or bare.
            switch (r.Next(5))
            {
                case 0:
                    break;
                case 1:
                    headers.Add(("X-Pusher-Key", Pieces.Pick(r, ["", PusherConsoleFactory.Key, "wrong"])));
                    headers.Add(("X-Pusher-Signature", Pieces.Pick(r, ["", "00", new string('a', 64), "zz\u00ff"])));
                    break;
                default:
                    headers.Add(("X-Pusher-Key", PusherConsoleFactory.Key));
                    headers.Add(("X-Pusher-Signature", Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(PusherConsoleFactory.Secret), body))));
                    break;
            }
            return new RawRequest("POST", "/pusher/webhook", headers, body) { Framing = r.Next(4) == 0 ? Pieces.AnyFraming(r) : Framing.ContentLength };
        }
    }

    private static class Queries
    {
        private static readonly string[] Fields = ["kind", "channel", "user", "event", "outcome", "from", "to", "q", "range", "hide", "code", "before", "after"];
        private static readonly string[] Values =
        [
            "", "%00", "channel.auth", "webhook.received", "private-*", "*", "2026-11-30T00:00:00Z", "2026-13-45", "0001-01-01",
            "9999-12-31T23:59:59Z", "yesterday", "hour", "day", "week", "year", "-1", "99999999999999999999", "%zz", "%ED%A0%80", "%FF",
            "%27%20OR%201%3D1", "machine", "7d", "today", "%5B", "%5D", "a%5Bb", Uri.EscapeDataString(new string('q', 5000)), "%F0%9F%98%80",
        ];

        public static RawRequest EventLog(Random r, Session admin)
        {
            // The export streams the whole (growing) log: one in four, so the test stays fast.
            var path = r.Next(4) == 0 ? (r.Next(2) == 0 ? "/EventLog/export.csv" : "/EventLog/export.jsonl") : "/EventLog/activity";
            var query = string.Join("&", Enumerable.Range(0, r.Next(6)).Select(_ => Pieces.Pick(r, Fields) + (r.Next(8) == 0 ? "[]" : "") + "=" + Pieces.Pick(r, Values)));
            return new RawRequest("GET", path + (query.Length > 0 ? "?" + query : ""), [("Cookie", admin.Cookie)], []);
        }
    }
}
