using System.Diagnostics;
using System.Text.Json;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Benchmarks;

/// <summary>
/// Fills a console database (the real Initial migration) with <c>--rows</c> realistic event-log entries over the
/// last <c>--days</c> days, sealed into the hash chain the way the webhook writer seals them, then measures what
/// the log page, the CSV export and integrity verification do at that size, in this process, with the same code
/// the console runs (EventLogQuery, EventLogCsv, AuditChainVerifier) on a fresh DbContext per operation.
/// </summary>
public static class EventLogScenario
{
    public const string Usage = """
        eventlog: --rows 1000000 [--days 30] [--db <sqlite file, reused if it already has the rows>] [--runs 7]
        """;

    private static readonly string[] Actors = [.. Enumerable.Range(1, 180).Select(i => $"student{i}@school.test"),
        .. Enumerable.Range(1, 20).Select(i => $"teacher{i}@school.test"), "admin@school.test"];

    public static async Task<int> RunAsync(BenchArgs args)
    {
        var rows = args.Int("rows", 1_000_000);
        var days = args.Int("days", 30);
        var runs = args.Int("runs", 7);
        var path = args.Get("db") ?? Path.Combine(Path.GetTempPath(), $"adminconsole-eventlog-{rows}.db");
        var connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ToString();
        DbContextOptions<AppDbContext> options = new DbContextOptionsBuilder<AppDbContext>().UseSqlite(connectionString)
            // As the console saves: audit entries sealed into the hash chain.
            .AddInterceptors(new AuditChainSaving()).Options;
        var now = DateTime.UtcNow;

        await using (var db = new SqliteAppDbContext(options))
        {
            await db.Database.MigrateAsync();
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL");
            var existing = await db.AuditEntries.LongCountAsync();
            if (existing < rows)
            {
                var clock = Stopwatch.StartNew();
                await GenerateAsync(db, rows - (int)existing, now.AddDays(-days), now);
                Console.WriteLine($"generated {rows - existing:N0} entries in {clock.Elapsed.TotalSeconds:0.0} s -> {path} ({new FileInfo(path).Length / 1_048_576.0:N0} MB)");
                await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE)");
            }
            else
            {
                Console.WriteLine($"reusing {path}: {existing:N0} entries");
            }
        }

        var newest = await WithDb(options, db => db.AuditEntries.MaxAsync(e => e.TimeUtc));
        var day = newest.AddDays(-1);
        var week = newest.AddDays(-7);
        string Iso(DateTime t) => t.ToString("yyyy-MM-ddTHH:mm:ss");
        var cases = new (string Name, EventLogFilter Filter)[]
        {
            ("no filter", new()),
            ("prefix private-class-*", new() { Channel = "private-class-*" }),
            ("prefix private-class-* + last 24 h", new() { Channel = "private-class-*", From = Iso(day), To = Iso(newest.AddMinutes(1)) }),
            ("prefix presence-class-1* + last 7 days", new() { Channel = "presence-class-1*", From = Iso(week) }),
            ("prefix private-class-3* + a 2 h window 10 days ago", new() { Channel = "private-class-3*", From = Iso(newest.AddDays(-10)), To = Iso(newest.AddDays(-10).AddHours(2)) }),
            ("channel private-class-7 (a prefix, no *)", new() { Channel = "private-class-7" }),
            ("channel private-user- (a prefix with no entries)", new() { Channel = "private-user-" }),
            ("kind channel.auth + outcome refused", new() { Kind = AuditKinds.ChannelAuth, Outcome = "refused" }),
            ("user teacher3@school.test + last 7 days", new() { User = "teacher3@school.test", From = Iso(week) }),
            ("user 'teacher3' (part of an email)", new() { User = "teacher3" }),
            ("user 'student17' (part) + last 7 days", new() { User = "student17", From = Iso(week) }),
            ("user 'student1' resolved: 92 actor names", new EventLogFilter { User = "student1" }.WithActors([.. Actors.Where(a => a.Contains("student1"))])),
            ("user 'teacher3' resolved: 1 actor name", new EventLogFilter { User = "teacher3" }.WithActors(["teacher3@school.test"])),
            ("user 'nobody' resolved: no actor name", new EventLogFilter { User = "nobody" }.WithActors([])),
            ("user 'student' resolved: 180 names + kind event.sent (none)", new EventLogFilter { User = "student", Kind = AuditKinds.EventSent }.WithActors([.. Actors.Where(a => a.Contains("student"))])),
            ("user 'nobody' (no entry matches: whole log)", new() { User = "nobody" }),
            ("hide machine events", new() { Hide = "machine" }),
            ("hide machine events + user 'admin'", new() { Hide = "machine", User = "admin" }),
            ("event quiz + prefix private-class-*", new() { Event = "quiz", Channel = "private-class-*" }),
            ("text 'fire drill' (rare)", new() { Q = "fire drill" }),
            ("text 'homework' (common)", new() { Q = "homework" }),
            ("text 'fire drill' + last 24 h", new() { Q = "fire drill", From = Iso(day) }),
        };

        Console.WriteLine();
        Console.WriteLine($"load average while measuring: {Measure.LoadAverage()} (on {Environment.ProcessorCount} cores)");
        Console.WriteLine($"{"page query (server time, median of " + runs + ")",-58} {"first page",12} {"next page",12} {"rows",6}");
        foreach (var (name, filter) in cases)
        {
            var first = new List<double>();
            var next = new List<double>();
            var count = 0;
            for (var i = 0; i < runs; i++)
            {
                var (page, ms) = await Timed(options, db => new EventLogQuery(db).PageAsync(filter.Normalized(), null, null));
                first.Add(ms);
                count = page.Entries.Count;
                if (page.OlderThan is { } older)
                    next.Add((await Timed(options, db => new EventLogQuery(db).PageAsync(filter.Normalized(), older, null))).Ms);
            }
            Console.WriteLine($"{name,-58} {Median(first),9:0.0} ms {(next.Count > 0 ? $"{Median(next),9:0.0} ms" : "        —"),12} {count,6}");
        }

        // The user filter's actor list: a cold read skips through the (ActorName, Id) index, one seek per name.
        var catalog = new ActorCatalog();
        var (names, coldMs) = await Timed(options, db => catalog.NamesAsync(db));
        var (_, warmMs) = await Timed(options, db => catalog.NamesAsync(db));
        Console.WriteLine($"{"actor catalog: cold read of " + names.Count + " names / warm",-58} {coldMs,9:0.0} ms {warmMs,9:0.0} ms");

        await ExportAsync(options, "CSV", EventLogCsv.WriteAsync);
        await ExportAsync(options, "JSON lines", EventLogJsonLines.WriteAsync);
        await VerifyAsync(options);
        await ChartsAsync(options);
        return 0;
    }

    private static async Task ExportAsync(DbContextOptions<AppDbContext> options, string format,
        Func<Stream, IAsyncEnumerable<AuditEntry>, CancellationToken, Task<long>> write)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var before = process.WorkingSet64;
        long peak = before;
        using var sampler = new Timer(_ =>
        {
            using var p = Process.GetCurrentProcess();
            var ws = p.WorkingSet64;
            if (ws > Interlocked.Read(ref peak)) Interlocked.Exchange(ref peak, ws);
        }, null, 0, 50);

        var cpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await using var db = new SqliteAppDbContext(options);
        var query = new EventLogQuery(db);
        var through = await query.NewestIdAsync();
        var sink = new CountingStream();
        var written = await write(sink, query.StreamAsync(new EventLogFilter(), through), CancellationToken.None);
        clock.Stop();
        await sampler.DisposeAsync();
        Console.WriteLine();
        process.Refresh();
        Console.WriteLine($"{format} export: {written:N0} rows, {sink.Length / 1_048_576.0:N0} MB in {clock.Elapsed.TotalSeconds:0.0} s ({(process.TotalProcessorTime - cpu).TotalSeconds:0.0} s CPU); " +
                          $"working set {before / 1_048_576.0:N0} MB -> peak {peak / 1_048_576.0:N0} MB (growth {(peak - before) / 1_048_576.0:N0} MB)");
    }

    private static async Task VerifyAsync(DbContextOptions<AppDbContext> options)
    {
        await using var db = new SqliteAppDbContext(options);
        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var verdict = await new AuditChainVerifier(db).VerifyAsync();
        process.Refresh();
        Console.WriteLine($"verification: {verdict.EntriesChecked:N0} entries in {verdict.Elapsed.TotalSeconds:0.0} s ({(process.TotalProcessorTime - cpu).TotalSeconds:0.0} s CPU): {verdict.Message}");
    }

    private static async Task ChartsAsync(DbContextOptions<AppDbContext> options)
    {
        foreach (var range in ActivityChart.Ranges.Keys)
        {
            var (data, ms) = await Timed(options, db => new ActivityChart(db, TimeProvider.System).ReadAsync(range));
            Console.WriteLine($"activity chart '{range}': {ms:0.0} ms ({data.Kinds.Count} kinds, {data.OccupiedChannels[^1]} channels occupied now)");
        }
    }

    /// <summary>A school's month: webhooks dominate, then channel auth, sends, sign-ins and a little administration.</summary>
    private static async Task GenerateAsync(AppDbContext db, int count, DateTime from, DateTime to)
    {
        var random = new Random(20261126);
        var span = (to - from).Ticks;
        await db.Database.OpenConnectionAsync();
        var connection = (Microsoft.Data.Sqlite.SqliteConnection)db.Database.GetDbConnection();
        const int perCommit = 50_000;
        for (var done = 0; done < count;)
        {
            await using var tx = await connection.BeginTransactionAsync();
            using (var appender = new SqliteAuditAppender(tx))
            {
                var n = Math.Min(perCommit, count - done);
                for (var i = 0; i < n; i++, done++)
                {
                    var time = new DateTime(from.Ticks + (long)((double)span * done / count), DateTimeKind.Utc);
                    Append(appender, random, time);
                }
                appender.Complete();
            }
            await tx.CommitAsync();
            Console.Write($"\r  {done:N0} / {count:N0}");
        }
        Console.WriteLine();
    }

    private static readonly string[] Words = ["homework", "quiz", "reminder", "lab safety", "reading", "exam", "trip", "project", "grades", "schedule"];

    private static void Append(AuditAppender appender, Random r, DateTime time)
    {
        var classId = r.Next(1, 41);
        var actor = Actors[r.Next(Actors.Length)];
        var roll = r.Next(100);
        if (roll < 45)
        {
            string[] names = ["channel_occupied", "channel_vacated", "member_added", "member_removed", "client_event", "subscription_count"];
            var name = names[r.Next(names.Length)];
            var channel = (name.StartsWith("member") || r.Next(2) == 0 ? "presence-class-" : "private-class-") + classId;
            var data = JsonSerializer.Serialize(new { name, channel, user_id = name.StartsWith("member") ? actor : null, time_ms = new DateTimeOffset(time).ToUnixTimeMilliseconds() });
            appender.Append(time, AuditKinds.WebhookEvent, Actor.Pusher, $"webhook:{r.Next(1_000_000)}", data, channel, name, r.Next(50) == 0 ? "duplicate" : "accepted");
        }
        else if (roll < 70)
        {
            var channel = (r.Next(2) == 0 ? "private-class-" : "presence-class-") + classId;
            var allowed = r.Next(10) > 0;
            appender.Append(time, AuditKinds.ChannelAuth, new Actor(null, actor), null,
                JsonSerializer.Serialize(new { socket_id = $"{r.Next(100000)}.{r.Next(1000000)}", reason = allowed ? "member of class" : "not a member of this class" }),
                channel, null, allowed ? "allowed" : "refused");
        }
        else if (roll < 85)
        {
            var word = Words[r.Next(Words.Length)];
            var text = r.Next(5000) == 0 ? "Fire drill at 10:00, leave by the east stairs" : $"{char.ToUpper(word[0])}{word[1..]}: please check the class page before {r.Next(1, 28)} {time:MMMM}.";
            var channel = r.Next(10) == 0 ? "public" : "private-class-" + classId;
            appender.Append(time, AuditKinds.EventSent, new Actor(null, "teacher" + r.Next(1, 21) + "@school.test"), null,
                JsonSerializer.Serialize(new { title = word, body = text, sent_by = "teacher" }), channel, r.Next(3) == 0 ? "quiz" : "announcement", r.Next(40) == 0 ? "failure" : "success");
        }
        else if (roll < 96)
        {
            var ok = r.Next(12) > 0;
            appender.Append(time, ok ? AuditKinds.SignIn : AuditKinds.SignInFailed, new Actor(null, actor), null,
                JsonSerializer.Serialize(new { ip = $"10.0.{r.Next(256)}.{r.Next(256)}" }), null, null, ok ? "success" : "failure");
        }
        else
        {
            string[] kinds = [AuditKinds.ClassMemberAdded, AuditKinds.ClassMemberRemoved, AuditKinds.UserCreated, AuditKinds.UserRoleAdded];
            appender.Append(time, kinds[r.Next(kinds.Length)], new Actor(null, "admin@school.test"), $"class:{classId}",
                JsonSerializer.Serialize(new { before = (object?)null, after = new { classId, user = actor } }), null, null, "success");
        }
    }

    private static async Task<T> WithDb<T>(DbContextOptions<AppDbContext> options, Func<AppDbContext, Task<T>> work)
    {
        await using var db = new SqliteAppDbContext(options);
        return await work(db);
    }

    private static async Task<(T Result, double Ms)> Timed<T>(DbContextOptions<AppDbContext> options, Func<AppDbContext, Task<T>> work)
    {
        await using var db = new SqliteAppDbContext(options);
        var clock = Stopwatch.StartNew();
        var result = await work(db);
        return (result, clock.Elapsed.TotalMilliseconds);
    }

    private static double Median(List<double> values)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>Discards what is written, counting it: the export's cost without a disk or a network in the way.</summary>
    private sealed class CountingStream : Stream
    {
        public override long Length => _length;
        private long _length;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => _length += count;
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _length += buffer.Length;
            return ValueTask.CompletedTask;
        }
    }
}
