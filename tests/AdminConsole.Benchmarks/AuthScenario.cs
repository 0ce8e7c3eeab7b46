extern alias web;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Security.Claims;
using AdminConsole.Web.Classes;
using AdminConsole.Web.Data;
using AdminConsole.Web.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AdminConsole.Benchmarks;

/// <summary>
/// <c>POST /pusher/auth</c> for signed-in students with class membership checks, on real Kestrel, the load
/// generator in the same process (so on this machine both share its cores). Phases: warm-up, a sustained run at
/// fixed concurrency, then a burst of every student authorizing at once. Every answer must be 200.
/// </summary>
public static class AuthScenario
{
    public const string Usage = "  auth [--users 1000] [--classes 40] [--concurrency 64] [--seconds 10]";

    public static async Task<int> RunAsync(BenchArgs args)
    {
        var users = args.Int("users", 1000);
        var classCount = args.Int("classes", 40);
        var concurrency = args.Int("concurrency", 64);
        var seconds = args.Int("seconds", 10);

        using var console = new BenchConsole();
        Console.WriteLine($"auth: load average {(File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?")} at start; {users} students in {classCount} classes (3 each), console on {console.BaseUrl}, {Environment.ProcessorCount} cores, server GC={System.Runtime.GCSettings.IsServerGC}");
        var students = await SeedAsync(console, users, classCount);

        using var http = new HttpClient(new SocketsHttpHandler
        {
            UseCookies = false,
            MaxConnectionsPerServer = Math.Max(concurrency, users),
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        }) { BaseAddress = new Uri(console.BaseUrl) };

        // Warm-up: JIT, connection pool, the membership snapshot.
        await RunForAsync(http, students, concurrency, TimeSpan.FromSeconds(2));

        // What this machine gives any request right now (it is shared): the same harness on GET /health/live.
        var baseline = await RunForAsync(http, students, concurrency, TimeSpan.FromSeconds(Math.Max(2, seconds / 2)), baseline: true);
        Report($"baseline GET /health/live ({concurrency} concurrent)", baseline);

        var sustained = await RunForAsync(http, students, concurrency, TimeSpan.FromSeconds(seconds));
        Report($"sustained ({concurrency} concurrent, {seconds} s)", sustained);

        // The burst: every student's browser asks at the same moment (e.g. the bell, everyone opens the page).
        var burst = await BurstAsync(http, students);
        Report($"burst ({students.Count} students at once)", burst);

        await console.DrainAuditAsync();
        var audited = await console.CountAuditAsync();
        Console.WriteLine($"audit entries written: {audited}");
        var failures = baseline.Failures + sustained.Failures + burst.Failures;
        return failures == 0 ? 0 : 1;
    }

    private sealed record Student(string Cookie, string Channel);

    /// <param name="Cpu">CPU time this process (console and load generator) used during the phase.</param>
    /// <param name="ServerMs">ASP.NET Core's own http.server.request.duration for the phase's requests: time inside the server, without the client's queueing.</param>
    private sealed record Result(int Requests, int Failures, TimeSpan Elapsed, double[] LatenciesMs, TimeSpan Cpu, double[] ServerMs);

    /// <summary>Collects ASP.NET Core's request durations (the console runs in this process).</summary>
    private sealed class ServerDurations : IDisposable
    {
        private readonly MeterListener _listener = new();
        private ConcurrentBag<double> _ms = [];

        public ServerDurations()
        {
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Microsoft.AspNetCore.Hosting" && instrument.Name == "http.server.request.duration")
                    l.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<double>((_, seconds, _, _) => _ms.Add(seconds * 1000));
            _listener.Start();
        }

        /// <summary>The durations since the last call.</summary>
        public double[] Take() => Interlocked.Exchange(ref _ms, []).ToArray();

        public void Dispose() => _listener.Dispose();
    }

    private static readonly ServerDurations Server = new();

    private static void Report(string phase, Result r)
    {
        Array.Sort(r.LatenciesMs);
        double P(double q) => r.LatenciesMs.Length == 0 ? 0 : r.LatenciesMs[Math.Min(r.LatenciesMs.Length - 1, (int)Math.Ceiling(q * r.LatenciesMs.Length) - 1)];
        Console.WriteLine($"{phase}: {r.Requests} requests in {r.Elapsed.TotalSeconds:0.00} s = {r.Requests / r.Elapsed.TotalSeconds:0} req/s; " +
                          $"p50 {P(0.50):0.00} ms, p90 {P(0.90):0.00} ms, p99 {P(0.99):0.00} ms, max {P(1):0.00} ms; non-200: {r.Failures}");
        Array.Sort(r.ServerMs);
        double S(double q) => r.ServerMs.Length == 0 ? 0 : r.ServerMs[Math.Min(r.ServerMs.Length - 1, (int)Math.Ceiling(q * r.ServerMs.Length) - 1)];
        Console.WriteLine($"  inside the server (http.server.request.duration, {r.ServerMs.Length} requests): p50 {S(0.50):0.00} ms, p90 {S(0.90):0.00} ms, p99 {S(0.99):0.00} ms, max {S(1):0.00} ms");
        // On a shared machine the wall-clock rate depends on the neighbours; CPU per request does not.
        var perRequestUs = r.Cpu.TotalMicroseconds / Math.Max(1, r.Requests);
        Console.WriteLine($"  CPU: {r.Cpu.TotalSeconds:0.00} s of {Environment.ProcessorCount * r.Elapsed.TotalSeconds:0.00} core-seconds available " +
                          $"({r.Cpu / (Environment.ProcessorCount * r.Elapsed):P0}); {perRequestUs:0} µs per request (console + load generator) " +
                          $"= {Environment.ProcessorCount * 1_000_000 / perRequestUs:0} req/s if this process had all {Environment.ProcessorCount} cores");
    }

    private static async Task<Result> RunForAsync(HttpClient http, IReadOnlyList<Student> students, int concurrency, TimeSpan duration, bool baseline = false)
    {
        var latencies = new List<double>[concurrency];
        var failures = 0;
        var cpu = Environment.CpuUsage.TotalTime;
        Server.Take();
        var stop = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var mine = latencies[w] = new List<double>(1 << 16);
            var n = w;
            while (stop.Elapsed < duration)
            {
                var s = students[n++ % students.Count];
                var (ok, ms) = baseline ? await BaselineAsync(http, s) : await AuthorizeAsync(http, s, n);
                mine.Add(ms);
                if (!ok) Interlocked.Increment(ref failures);
            }
        })).ToArray();
        await Task.WhenAll(workers);
        var elapsed = stop.Elapsed;
        var all = latencies.SelectMany(l => l).ToArray();
        return new Result(all.Length, failures, elapsed, all, Environment.CpuUsage.TotalTime - cpu, Server.Take());
    }

    private static async Task<Result> BurstAsync(HttpClient http, IReadOnlyList<Student> students)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var failures = 0;
        var latencies = new double[students.Count];
        var tasks = students.Select((s, i) => Task.Run(async () =>
        {
            await start.Task;
            var (ok, ms) = await AuthorizeAsync(http, s, 1_000_000 + i);
            latencies[i] = ms;
            if (!ok) Interlocked.Increment(ref failures);
        })).ToArray();
        var cpu = Environment.CpuUsage.TotalTime;
        Server.Take();
        var clock = Stopwatch.StartNew();
        start.SetResult();
        await Task.WhenAll(tasks);
        return new Result(students.Count, failures, clock.Elapsed, latencies, Environment.CpuUsage.TotalTime - cpu, Server.Take());
    }

    /// <summary>The same client, cookie and connection against the cheapest endpoint: what the pipeline and loopback TCP cost here.</summary>
    private static async Task<(bool Ok, double Ms)> BaselineAsync(HttpClient http, Student s)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        request.Headers.Add("Cookie", s.Cookie);
        var t0 = Stopwatch.GetTimestamp();
        using var response = await http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        return (response.StatusCode == HttpStatusCode.OK, Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
    }

    private static async Task<(bool Ok, double Ms)> AuthorizeAsync(HttpClient http, Student s, int n)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/pusher/auth")
        {
            Content = new FormUrlEncodedContent([new("socket_id", $"{n}.{n * 7 % 100000}"), new("channel_name", s.Channel)]),
        };
        request.Headers.Add("Cookie", s.Cookie);
        var t0 = Stopwatch.GetTimestamp();
        using var response = await http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        return (response.StatusCode == HttpStatusCode.OK, Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
    }

    /// <summary>
    /// Students, teachers and classes straight into the database (hashing a thousand passwords would only time
    /// PBKDF2), and for each student the auth cookie the sign-in page would have issued: the same ticket format,
    /// protected by the console's own data-protection keys.
    /// </summary>
    private static async Task<IReadOnlyList<Student>> SeedAsync(BenchConsole console, int count, int classCount)
    {
        await using var scope = console.Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<AppDbContext>();
        var studentRole = await db.Roles.SingleAsync(r => r.Name == Roles.Student);
        var now = DateTime.UtcNow;
        var classes = Enumerable.Range(1, classCount).Select(i => new SchoolClass { Name = $"Class {i:000}", CreatedUtc = now }).ToList();
        db.Classes.AddRange(classes);
        var users = new List<AppUser>();
        for (var i = 0; i < count; i++)
        {
            var email = $"student{i:0000}@bench.test";
            var user = new AppUser
            {
                UserName = email, NormalizedUserName = email.ToUpperInvariant(), Email = email, NormalizedEmail = email.ToUpperInvariant(),
                EmailConfirmed = true, DisplayName = $"Student {i}", SecurityStamp = Guid.NewGuid().ToString("N"), CreatedUtc = now,
            };
            users.Add(user);
            db.Users.Add(user);
            db.UserRoles.Add(new IdentityUserRole<string> { UserId = user.Id, RoleId = studentRole.Id });
            for (var k = 0; k < 3; k++)
                classes[(i + k * 7) % classCount].Members.Add(new ClassMembership { UserId = user.Id, Role = ClassRole.Student, AddedUtc = now });
        }
        await db.SaveChangesAsync();

        var principals = sp.GetRequiredService<IUserClaimsPrincipalFactory<AppUser>>();
        var cookieOptions = sp.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(IdentityConstants.ApplicationScheme);
        var students = new List<Student>();
        for (var i = 0; i < users.Count; i++)
        {
            var principal = await principals.CreateAsync(users[i]);
            var ticket = new AuthenticationTicket(principal, new AuthenticationProperties { IssuedUtc = DateTimeOffset.UtcNow, ExpiresUtc = DateTimeOffset.UtcNow.AddHours(1) }, IdentityConstants.ApplicationScheme);
            var cookie = $"{cookieOptions.Cookie.Name}={cookieOptions.TicketDataFormat.Protect(ticket)}";
            // Each student subscribes to one of their classes' channels (private or presence).
            var classId = classes[(i + (i % 3) * 7) % classCount].Id;
            students.Add(new Student(cookie, i % 2 == 0 ? ChannelNames.PrivateClass(classId) : ChannelNames.PresenceClass(classId)));
        }
        return students;
    }

    /// <summary>The console on Kestrel (127.0.0.1, random port), Production settings, its own SQLite file.</summary>
    private sealed class BenchConsole : WebApplicationFactory<web::Program>
    {
        private readonly string _db = Path.Combine(Path.GetTempPath(), $"adminconsole-bench-{Guid.NewGuid():N}.db");

        public BenchConsole()
        {
            // WebApplicationFactory looks for MvcTestingAppManifest.json (the console's content root) in the current
            // directory; `dotnet run` starts in the repository root, the manifest is beside this program.
            Directory.SetCurrentDirectory(AppContext.BaseDirectory);
            UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
            StartServer();
            BaseUrl = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        }

        public string BaseUrl { get; }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            builder.UseSetting("ConnectionStrings:Console", $"Data Source={_db}");
            builder.UseSetting("Pusher:AppId", "1");
            builder.UseSetting("Pusher:Key", "bench-key");
            builder.UseSetting("Pusher:Secret", "bench-secret");
            // The per-user limit (120/min by default) is real and still evaluated on every request; the sustained
            // phase replays each student many times a second, far past any real browser, so it is raised here.
            builder.UseSetting("ChannelAuth:RateLimit:PermitLimit", "1000000");
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
        }

        public async Task DrainAuditAsync()
        {
            // The audit writer batches; give it until the count stops moving.
            var last = -1;
            for (var i = 0; i < 100; i++)
            {
                var now = await CountAuditAsync();
                if (now == last) return;
                last = now;
                await Task.Delay(200);
            }
        }

        public async Task<int> CountAuditAsync()
        {
            await using var scope = Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<AppDbContext>().AuditEntries.CountAsync();
        }

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
                File.Delete(_db + suffix);
        }
    }
}
