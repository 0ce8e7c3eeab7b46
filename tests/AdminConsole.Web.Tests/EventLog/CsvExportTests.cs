using System.Data.Common;
using System.Net;
using System.Text;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace AdminConsole.Web.Tests.EventLog;

public class CsvCellTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("line1\nline2", "\"line1\nline2\"")]
    [InlineData("line1\r\nline2", "\"line1\r\nline2\"")]
    [InlineData("=HYPERLINK(\"http://evil\")", "\"'=HYPERLINK(\"\"http://evil\"\")\"")]
    [InlineData("=1+2", "'=1+2")]
    [InlineData("+1", "'+1")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tcmd", "'\tcmd")]
    [InlineData("\rcmd", "\"'\rcmd\"")]
    [InlineData("=cmd|' /C calc'!A0,x", "\"'=cmd|' /C calc'!A0,x\"")]
    [InlineData("a=b", "a=b")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void Cells_are_quoted_per_RFC_4180_and_neutralised_against_formulas(string? value, string expected) =>
        Assert.Equal(expected, EventLogCsv.Cell(value));

    [Fact]
    public void Times_are_ISO_8601_UTC() =>
        Assert.Equal("2026-03-02T08:05:09.120Z", EventLogCsv.FormatTime(new DateTime(2026, 3, 2, 8, 5, 9, 120, DateTimeKind.Unspecified)));
}

/// <summary>Can hold the export's second batch query until the test lets it go.</summary>
public class CsvExportConsole : ConsoleFactory
{
    /// <summary>The same console on PostgreSQL.</summary>
    public new sealed class OnPostgres : CsvExportConsole
    {
        public override DatabaseProvider Provider => DatabaseProvider.Postgres;
    }

    public QueryGate Gate { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(s => s.ConfigureDbContext<AppDbContext>(o => o.AddInterceptors(Gate)));
    }
}

public sealed class QueryGate : DbCommandInterceptor
{
    private volatile string? _armedFor;
    private int _seen;
    private int _hold;
    public TaskCompletionSource Blocked { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource Release { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Holds the <paramref name="nth"/> query that mentions <paramref name="marker"/>.</summary>
    public void Arm(string marker, int nth)
    {
        _seen = 0;
        _hold = nth;
        Blocked = new(TaskCreationOptions.RunContinuationsAsynchronously);
        Release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        _armedFor = marker;
    }

    public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        if (_armedFor is { } marker && command.Parameters.Cast<DbParameter>().Any(p => Equals(p.Value, marker))
            && Interlocked.Increment(ref _seen) == _hold)
        {
            _armedFor = null;
            Blocked.TrySetResult();
            await Release.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        }
        return result;
    }
}

public abstract class CsvExportTests<TFactory>(TFactory factory) : IClassFixture<TFactory> where TFactory : CsvExportConsole
{
    [Fact]
    public async Task Export_has_a_header_the_filtered_rows_newest_first_and_round_trips_awkward_values()
    {
        await factory.WriteAsync(3, i => (AuditKinds.WebhookEvent, "private-class-5", "client-note", "accepted",
            i == 0 ? "=HYPERLINK(\"http://evil.example\",\"x\")" : $"{{\"text\":\"a, \\\"b\\\"\\nc {i}\"}}"));
        await factory.WriteAsync(2, _ => (AuditKinds.EventSent, "private-class-6", "other", "success", "{}"));
        var client = await factory.SignInAsync(DemoUser.Auditor);

        var response = await client.GetAsync("/EventLog/export.csv?channel=private-class-5");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("event-log-", response.Content.Headers.ContentDisposition!.FileNameStar ?? response.Content.Headers.ContentDisposition.FileName);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal([0xEF, 0xBB, 0xBF], bytes[..3]);
        var rows = Csv.Parse(Encoding.UTF8.GetString(bytes[3..]));

        Assert.Equal(EventLogCsv.Header, rows[0]);
        var data = rows.Skip(1).ToList();
        Assert.Equal(3, data.Count);
        Assert.All(data, r => Assert.Equal(11, r.Length));
        Assert.All(data, r => Assert.Equal("private-class-5", r[5]));
        Assert.True(data.Select(r => long.Parse(r[0])).SequenceEqual(data.Select(r => long.Parse(r[0])).OrderDescending()));
        Assert.Equal("'=HYPERLINK(\"http://evil.example\",\"x\")", data[2][9]);
        Assert.Equal("{\"text\":\"a, \\\"b\\\"\\nc 2\"}", data[0][9]);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", data[0][1]);
        Assert.Matches("^[0-9a-f]{64}$", data[0][10]);
    }

    [Fact]
    public async Task Export_is_itself_audited_with_who_and_which_filter()
    {
        var client = await factory.SignInAsync(DemoUser.Auditor);
        var response = await client.GetAsync("/EventLog/export.csv?kind=event.sent&channel=private-class-*&q=quiz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await response.Content.ReadAsStringAsync();

        var entry = await factory.WithDbAsync(db => db.AuditEntries.AsNoTracking().Where(e => e.Kind == AuditKinds.LogExported).OrderByDescending(e => e.Id).FirstAsync());
        Assert.Equal(DemoUser.Auditor.Email, entry.ActorName);
        Assert.NotNull(entry.ActorId);
        Assert.Equal("success", entry.Outcome);
        Assert.Contains("\"kind\":\"event.sent\"", entry.Data);
        Assert.Contains("\"channel\":\"private-class-*\"", entry.Data);
        Assert.Contains("\"q\":\"quiz\"", entry.Data);
    }

    [Fact]
    public async Task Invalid_filter_is_a_validation_problem()
    {
        var client = await factory.SignInAsync(DemoUser.Auditor);
        var response = await client.GetAsync("/EventLog/export.csv?from=not-a-date");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("From is not a date and time (UTC).", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("csv")]
    [InlineData("jsonl")]
    public async Task Export_streams_the_response_starts_before_the_query_finishes(string format)
    {
        var channel = "private-class-streaming-" + format;
        await factory.WriteAsync(5_000, i => (AuditKinds.EventSent, channel, "bulk", "success", $"{{\"n\":{i}}}"));
        var client = await factory.SignInAsync(DemoUser.Auditor);

        // The export's queries naming the channel: the prefix's size (EventLogQuery picks its plan), the first batch,
        // the second batch: hold the second batch.
        factory.Gate.Arm(channel, nth: 3);
        using var response = await client.GetAsync($"/EventLog/export.{format}?channel={channel}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        // The whole first batch (2,000 rows) arrives while the server sits inside its second batch query.
        if (format == "csv")
            Assert.Equal("id,time_utc,kind,actor,actor_id,channel,event,outcome,target,data,hash", (await reader.ReadLineAsync())!.TrimStart('\uFEFF'));
        for (var i = 0; i < 2_000; i++)
            Assert.Contains(channel, await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        await factory.Gate.Blocked.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(factory.Gate.Release.Task.IsCompleted, "rows arrived while the export query was still running");

        factory.Gate.Release.SetResult();
        var rest = 0;
        while (await reader.ReadLineAsync() is not null) rest++;
        Assert.Equal(3_000, rest);
    }
}

public sealed class CsvExportTests(CsvExportConsole factory) : CsvExportTests<CsvExportConsole>(factory);

public sealed class CsvExportTestsOnPostgres(CsvExportConsole.OnPostgres factory) : CsvExportTests<CsvExportConsole.OnPostgres>(factory);

/// <summary>
/// The export's memory, measured with nothing else running: <see cref="GC.GetTotalMemory"/> is process-wide, and
/// test classes running beside it (the hostile-input test, the PostgreSQL matrix) once added 22.7 MB to "the export's"
/// growth in a CI run.
/// </summary>
[Collection(nameof(MeasuredAlone))]
public class CsvExportMemoryTests(CsvExportConsole factory) : IClassFixture<CsvExportConsole>
{
    [Fact]
    [Trait("Needs", "Volume")]
    public async Task Export_memory_stays_flat_with_tens_of_thousands_of_rows()
    {
        const string channel = "private-class-memory";
        var payload = "{\"text\":\"" + new string('x', 1_000) + "\"}";
        for (var batch = 0; batch < 6; batch++)
            await factory.WriteAsync(5_000, _ => (AuditKinds.EventSent, channel, "bulk", "success", payload));
        var client = await factory.SignInAsync(DemoUser.Auditor);

        using var response = await client.GetAsync($"/EventLog/export.csv?channel={channel}", HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64 * 1024];
        long total = 0, nextSample = 2_000_000;
        long? baseline = null;
        long peak = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            total += read;
            if (total < nextSample) continue;
            nextSample += 3_000_000;
            var live = GC.GetTotalMemory(forceFullCollection: true);
            baseline ??= live;
            peak = Math.Max(peak, live);
        }

        Assert.True(total > 30_000_000, $"exported {total:N0} bytes");
        // Buffering the export would hold 30,000 entities with 2 KB strings each (~70 MB) at the peak.
        Assert.NotNull(baseline);
        Assert.True(peak - baseline < 16_000_000, $"live heap grew by {(peak - baseline!.Value) / 1_000_000.0:0.0} MB while exporting {total / 1_000_000.0:0} MB");
    }
}
