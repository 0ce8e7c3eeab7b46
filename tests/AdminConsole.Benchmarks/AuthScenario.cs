extern alias web;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Security.Claims;
using AdminConsole.Web.Classes;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Shared;
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
/// <c>POST /pusher/auth</c> for signed-in students with class membership checks, on real Kestrel over loopback TCP,
/// driven by <see cref="RawHttpClient"/> (pre-built requests on raw keep-alive sockets, so the generator's own CPU is
/// small next to the console's; both still share this process and the machine's cores). Phases: warm-up, a baseline
/// on <c>GET /health/live</c>, a sustained run at fixed concurrency, then bursts of every student authorizing once,
/// each on their own connection with their own cookie. Every answer must be 200 with a signature, and every decision
/// must reach the audit trail. With <c>--provider postgres</c> the console runs on a fresh database of the server named by
/// ADMINCONSOLE_TEST_POSTGRES (tests/postgres.sh); <c>--instances 2</c> adds a second console on the same database (in
/// this process, as the first is) and spreads the connections over both, as a load balancer would: cookies minted by the
/// first are accepted by the second (shared data-protection keys, sessions in the database).
/// </summary>
public static class AuthScenario
{
    public const string Usage = "  auth [--users 1000] [--classes 40] [--concurrency 64] [--seconds 10] [--warmup 20] [--burst-windows 0,100,1000] [--repeats 3] [--provider sqlite|postgres [--instances 2]]";

    public static async Task<int> RunAsync(BenchArgs args)
    {
        var users = args.Int("users", 1000);
        var classCount = args.Int("classes", 40);
        var concurrency = args.Int("concurrency", 64);
        var seconds = args.Int("seconds", 10);
        var warmup = args.Int("warmup", 20);
        var repeats = args.Int("repeats", 3);
        var windows = (args.Get("burst-windows") ?? "0,100,1000").Split(',').Select(w => TimeSpan.FromMilliseconds(int.Parse(w, System.Globalization.CultureInfo.InvariantCulture))).ToArray();

        var instances = args.Int("instances", 1);
        using var postgres = args.Get("provider") is "postgres" ? TestPostgres.CreateDatabase("benchauth") : null;
        if (instances > 1 && postgres is null)
            throw new ArgumentException("--instances needs --provider postgres: SQLite is one console's file.");
        using var console = new BenchConsole(postgres?.ConnectionString);
        // Started after the first has migrated the database and created the key ring.
        var consoles = new List<BenchConsole> { console };
        for (var i = 1; i < instances; i++)
            consoles.Add(new BenchConsole(postgres!.ConnectionString));
        using var others = new Disposables(consoles.Skip(1));
        Console.WriteLine($"auth: load average {Measure.LoadAverage()} at start; {users} students in {classCount} classes (3 each), console on {string.Join(" and ", consoles.Select(c => c.BaseUrl))} ({(postgres is null ? "SQLite" : "PostgreSQL")}), " +
                          $"{Environment.ProcessorCount} cores, server GC={System.Runtime.GCSettings.IsServerGC}; generator: raw HTTP/1.1 keep-alive sockets in this process");
        var students = await SeedAsync(console, users, classCount);
        var uris = consoles.Select(c => new Uri(c.BaseUrl)).ToArray();
        // Connection i goes to instance i mod n: round robin, as a load balancer spreads new connections.
        IPEndPoint EndPoint(int i) => new(IPAddress.Parse(uris[i % uris.Length].Host), uris[i % uris.Length].Port);
        RawHttpClient.RequestFactory Requests(int i, Student s, string cookie) =>
            new RawHttpClient.RequestFactory($"{uris[i % uris.Length].Host}:{uris[i % uris.Length].Port}", s.CookieName, cookie, s.Body).Build();

        var sustainedClients = new List<RawHttpClient.Client>();
        for (var i = 0; i < concurrency; i++)
            sustainedClients.Add(await RawHttpClient.ConnectAsync(EndPoint(i), Requests(i, students[i % students.Count], students[i % students.Count].Cookie)));
        // Sustained: each connection is one student (their cookie, one of their class channels) authorizing again and again.

        var authSent = 0L;
        // Warm-up: tiered JIT needs many seconds on two cores before the code is what it will be; the snapshot loads.
        var warm = await RawHttpClient.RunClosedLoopAsync(sustainedClients, TimeSpan.FromSeconds(warmup), auth: true);
        authSent += warm.Tally.Latencies().Length;
        var failures = warm.Tally.Failures;

        var baseline = await MeasureAsync(() => RawHttpClient.RunClosedLoopAsync(sustainedClients, TimeSpan.FromSeconds(seconds), auth: false));
        Report($"baseline GET /health/live ({concurrency} connections, {seconds} s)", baseline);

        var sustained = await MeasureAsync(() => RawHttpClient.RunClosedLoopAsync(sustainedClients, TimeSpan.FromSeconds(seconds), auth: true));
        Report($"/pusher/auth sustained ({concurrency} connections, {seconds} s)", sustained);
        authSent += sustained.Requests;
        failures += baseline.Failures + sustained.Failures;
        foreach (var c in sustainedClients) c.Socket.Dispose();

        // The bursts: each student on their own, already open connection (the page that loaded pusher-js), cookies fresh.
        var burstClients = new List<RawHttpClient.Client>();
        for (var i = 0; i < students.Count; i++)
            burstClients.Add(await RawHttpClient.ConnectAsync(EndPoint(i), Requests(i, students[i], students[i].Cookie)));
        foreach (var c in burstClients)
        {
            await RawHttpClient.SendAsync(c, c.Requests.Live);
            if ((await RawHttpClient.ReceiveAsync(c, null)).Status != 200) failures++;
        }
        // A burst is one short event on a shared machine: each shape runs several times, and each run is reported.
        foreach (var window in windows)
            for (var run = 1; run <= repeats; run++)
            {
                var sendSpan = TimeSpan.Zero;
                var burst = await MeasureAsync(() => RawHttpClient.BurstAsync(burstClients, window, t => sendSpan = t));
                Report(window == TimeSpan.Zero
                    ? $"burst {run}/{repeats}: {students.Count} students at once (all sent back to back, the last {sendSpan.TotalMilliseconds:0.0} ms after the first)"
                    : $"burst {run}/{repeats}: {students.Count} students spread evenly over {window.TotalMilliseconds:0} ms ({students.Count / window.TotalSeconds:0} arrivals/s)", burst);
                authSent += burst.Requests;
                failures += burst.Failures;
            }

        // The same burst when every cookie was issued more than the stamp validation interval ago (students who signed
        // in before class): each first request checks the security stamp against the database and re-issues the cookie.
        for (var run = 1; run <= repeats; run++)
        {
            var stale = await MintCookiesAsync(console, students, issuedAgo: TimeSpan.FromMinutes(10));
            for (var i = 0; i < burstClients.Count; i++)
                burstClients[i] = new RawHttpClient.Client(burstClients[i].Socket, Requests(i, students[i], stale[i]));
            var staleBurst = await MeasureAsync(() => RawHttpClient.BurstAsync(burstClients, TimeSpan.Zero));
            Report($"burst {run}/{repeats}: {students.Count} students at once, cookies issued 10 min ago (each due for a security stamp check)", staleBurst);
            Console.WriteLine($"  cookies renewed by the server in that burst: {burstClients.Count(c => c.Requests.Renewals > 0)} of {burstClients.Count}");
            authSent += staleBurst.Requests;
            failures += staleBurst.Failures;
        }
        foreach (var c in burstClients) c.Socket.Dispose();

        await console.DrainAuditAsync();
        var audited = await console.CountAuditAsync();
        Console.WriteLine($"audit: {audited} channel.auth entries written for {authSent} authorization requests{(audited == authSent ? "" : " — MISMATCH")}");
        Console.WriteLine($"non-200 or unsigned answers: {failures}; load average {Measure.LoadAverage()} at the end");
        return failures == 0 && audited == authSent ? 0 : 1;
    }


    private static async Task<Result> MeasureAsync(Func<Task<(RawHttpClient.Tally Tally, TimeSpan Elapsed)>> phase)
    {
        var cpu = Environment.CpuUsage.TotalTime;
        Server.Take();
        var (tally, elapsed) = await phase();
        var latencies = tally.Latencies();
        return new Result(latencies.Length, tally.Failures, elapsed, latencies, Environment.CpuUsage.TotalTime - cpu, Server.Take());
    }

    /// <param name="Body">The form pusher-js would post: a socket id of its own and one of the student's class channels.</param>
    private sealed record Student(AppUser User, string CookieName, string Cookie, string Body);

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
        double P(double q) => Measure.Percentile(r.LatenciesMs, q);
        Console.WriteLine($"{phase}: {r.Requests} requests in {r.Elapsed.TotalSeconds:0.00} s = {r.Requests / r.Elapsed.TotalSeconds:0} req/s; " +
                          $"p50 {P(0.50):0.00} ms, p90 {P(0.90):0.00} ms, p99 {P(0.99):0.00} ms, max {P(1):0.00} ms; non-200: {r.Failures}");
        Array.Sort(r.ServerMs);
        double S(double q) => Measure.Percentile(r.ServerMs, q);
        Console.WriteLine($"  inside the server (http.server.request.duration, {r.ServerMs.Length} requests): p50 {S(0.50):0.00} ms, p90 {S(0.90):0.00} ms, p99 {S(0.99):0.00} ms, max {S(1):0.00} ms");
        // On a shared machine the wall-clock rate depends on the neighbours; CPU per request does not.
        var perRequestUs = r.Cpu.TotalMicroseconds / Math.Max(1, r.Requests);
        Console.WriteLine($"  CPU: {r.Cpu.TotalSeconds:0.00} s of {Environment.ProcessorCount * r.Elapsed.TotalSeconds:0.00} core-seconds available " +
                          $"({r.Cpu / (Environment.ProcessorCount * r.Elapsed):P0}); {perRequestUs:0} µs per request (console + load generator, one process) " +
                          $"= {Environment.ProcessorCount * 1_000_000 / perRequestUs:0} req/s if this process had all {Environment.ProcessorCount} cores");
    }

    /// <summary>
    /// Students, teachers and classes straight into the database (hashing a thousand passwords would only time
    /// PBKDF2), and for each student the auth cookie the sign-in page would have issued: the same ticket format,
    /// protected by the console's own data-protection keys.
    /// </summary>
    private static async Task<List<Student>> SeedAsync(BenchConsole console, int count, int classCount)
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

        var students = users.Select((user, i) =>
        {
            // Each student subscribes to one of their classes' channels (private or presence), with a socket id of their own.
            var classId = classes[(i + (i % 3) * 7) % classCount].Id;
            var channel = i % 2 == 0 ? ChannelNames.PrivateClass(classId) : ChannelNames.PresenceClass(classId);
            return new Student(user, "", "", $"socket_id={i + 1}.{(i * 7919) % 1000000}&channel_name={channel}");
        }).ToList();
        var cookies = await MintCookiesAsync(console, students, TimeSpan.Zero);
        var name = console.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(IdentityConstants.ApplicationScheme).Cookie.Name!;
        return students.Select((s, i) => s with { CookieName = name, Cookie = cookies[i] }).ToList();
    }

    /// <summary>
    /// For each student the auth cookie value the sign-in page would have issued <paramref name="issuedAgo"/> ago
    /// (hashing a thousand passwords would only time PBKDF2): the same ticket, protected with the console's own keys.
    /// </summary>
    /// <summary>The claim type ASP.NET Core's cookie handler names a stored session by.</summary>
    private const string SessionIdClaim = "Microsoft.AspNetCore.Authentication.Cookies-SessionId";

    private static async Task<string[]> MintCookiesAsync(BenchConsole console, IReadOnlyList<Student> students, TimeSpan issuedAgo)
    {
        await using var scope = console.Services.CreateAsyncScope();
        var principals = scope.ServiceProvider.GetRequiredService<IUserClaimsPrincipalFactory<AppUser>>();
        var cookieOptions = scope.ServiceProvider.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(IdentityConstants.ApplicationScheme);
        var issued = DateTimeOffset.UtcNow - issuedAgo;
        var cookies = new string[students.Count];
        for (var i = 0; i < students.Count; i++)
        {
            var principal = await principals.CreateAsync(students[i].User);
            var properties = new AuthenticationProperties { IssuedUtc = issued, ExpiresUtc = issued.AddHours(1) };
            var ticket = new AuthenticationTicket(principal, properties, IdentityConstants.ApplicationScheme);
            // The ticket is kept server-side (decision 0011); the cookie names its session, as the cookie handler's would.
            var session = await cookieOptions.SessionStore!.StoreAsync(ticket);
            var naming = new ClaimsPrincipal(new ClaimsIdentity([new Claim(SessionIdClaim, session)], IdentityConstants.ApplicationScheme));
            cookies[i] = cookieOptions.TicketDataFormat.Protect(new AuthenticationTicket(naming, properties, IdentityConstants.ApplicationScheme));
        }
        return cookies;
    }

    /// <summary>The console on Kestrel (127.0.0.1, random port), Production settings, its own SQLite file or the given PostgreSQL database.</summary>
    private sealed class BenchConsole : WebApplicationFactory<web::Program>
    {
        private readonly string _db = Path.Combine(Path.GetTempPath(), $"adminconsole-bench-{Guid.NewGuid():N}.db");
        private readonly string? _postgres;

        public BenchConsole(string? postgres = null)
        {
            _postgres = postgres;
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
            if (_postgres is null)
                builder.UseSetting("ConnectionStrings:Console", $"Data Source={_db}");
            else
            {
                builder.UseSetting("Database:Provider", "Postgres");
                builder.UseSetting("ConnectionStrings:Console", _postgres);
            }
            builder.UseSetting("Pusher:AppId", "1");
            builder.UseSetting("Pusher:Key", "bench-key");
            builder.UseSetting("Pusher:Secret", "bench-secret");
            // The per-user limit (120/min by default) is real and still evaluated on every request; the sustained
            // phase replays each student many times a second, far past any real browser, so it is raised here.
            builder.UseSetting("ChannelAuth:RateLimit:PermitLimit", "1000000");
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
        }

        public Task DrainAuditAsync()
        {
            // The audit writer batches; give it until the count stops moving.
            var last = -1;
            return Eventually.UntilAsync(async () =>
            {
                var now = await CountAuditAsync();
                var still = now == last;
                last = now;
                return still;
            }, TimeSpan.FromSeconds(20), "the audit count to stop moving", TimeSpan.FromMilliseconds(200));
        }

        public async Task<int> CountAuditAsync()
        {
            await using var scope = Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<AppDbContext>().AuditEntries.CountAsync(a => a.Kind == AuditKinds.ChannelAuth);
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
