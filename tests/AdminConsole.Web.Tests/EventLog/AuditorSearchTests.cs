using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Tests.Infrastructure;
using AngleSharp.Html.Dom;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminConsole.Web.Tests.EventLog;

public class TimePresetTests
{
    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");

    [Theory]
    // 23:30 in Paris (UTC+1): the school's day began at 23:00 UTC the day before.
    [InlineData("2026-03-28T22:30:00Z", "2026-03-27T23:00:00")]
    // 00:30 on the first day of summer time (UTC+2): the day began at 22:00 UTC, not 23:00.
    [InlineData("2026-03-29T22:30:00Z", "2026-03-29T22:00:00")]
    // 01:10 on the 30th in Paris (UTC+1): the day began at 23:00 UTC on the 29th.
    [InlineData("2026-11-30T00:10:00Z", "2026-11-29T23:00:00")]
    public void Today_starts_at_midnight_in_the_schools_time_zone(string now, string expectedFrom)
    {
        var at = DateTimeOffset.Parse(now, CultureInfo.InvariantCulture);
        var filter = new EventLogFilter { Range = "today", Channel = "public" }.WithPreset(at, Paris);
        Assert.Equal(expectedFrom, filter.From);
        Assert.Equal(at.AddSeconds(1).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture), filter.To);
        Assert.Null(filter.Range); // resolved: the links that follow carry the fixed window
        Assert.Equal("public", filter.Channel);
        Assert.Empty(filter.Errors());
    }

    [Theory]
    [InlineData("hour", "2026-11-30T09:05:07")]
    [InlineData("7d", "2026-11-23T10:05:07")]
    public void Hour_and_seven_days_count_back_from_now(string range, string expectedFrom)
    {
        var now = new DateTimeOffset(2026, 11, 30, 10, 5, 7, TimeSpan.Zero);
        var filter = new EventLogFilter { Range = range }.WithPreset(now, Paris);
        Assert.Equal(expectedFrom, filter.From);
        Assert.Equal("2026-11-30T10:05:08", filter.To);
    }

    [Fact]
    public void An_unknown_preset_is_reported_not_ignored()
    {
        var filter = new EventLogFilter { Range = "fortnight" }.WithPreset(DateTimeOffset.UnixEpoch, Paris);
        Assert.Contains(filter.Errors(), e => e.Field == "Range" && e.Message == "Range must be one of hour, today, 7d.");
    }
}

public abstract class AuditorSearchTests<TFactory>(TFactory factory) : IClassFixture<TFactory> where TFactory : ConsoleFactory
{
    private static async Task<List<(long Id, string Actor)>> RowsAsync(HttpClient client, string url)
    {
        var doc = await LogPageTests.GetPageAsync(client, url);
        return doc.QuerySelectorAll("tr[data-testid=log-row]")
            .Select(r => (long.Parse(r.GetAttribute("data-id")!), r.QuerySelector("td[data-col=actor]")!.TextContent.Trim())).ToList();
    }

    private Task<List<AuditEntry>> WriteAsync(Actor actor, int count, string channel, string eventName, string kind = AuditKinds.EventSent,
        string? target = null, string? data = null) =>
        factory.WriteAsync(count, i => (kind, channel, eventName, "success", data ?? $"{{\"n\":{i}}}"), actor, target);

    [Theory]
    [InlineData("zoe")]          // no accent typed, "Zoë" stored
    [InlineData("ZOË STU")]      // any case, across the space
    [InlineData("student2@sch")] // part of the email
    public async Task User_filter_finds_a_person_by_part_of_their_name_or_email_ignoring_case_and_accents(string typed)
    {
        var zoeId = await factory.UserIdAsync(DemoUser.OtherStudent.Email);
        var zoe = await WriteAsync(new Actor(zoeId, DemoUser.OtherStudent.Email), 3, "private-class-2", "by-zoe-" + typed.Length);
        await WriteAsync(new Actor(null, DemoUser.Teacher.Email), 2, "private-class-2", "by-zoe-" + typed.Length);
        var client = await factory.SignInAsync(DemoUser.Auditor);

        var rows = await RowsAsync(client, $"/EventLog?event=by-zoe-{typed.Length}&user={Uri.EscapeDataString(typed)}");

        Assert.Equal(zoe.Select(e => e.Id).OrderDescending(), rows.Select(r => r.Id));
        Assert.All(rows, r => Assert.Equal(DemoUser.OtherStudent.Email, r.Actor));
    }

    [Fact]
    public async Task User_filter_still_finds_actors_that_are_not_people_and_says_when_nothing_matches()
    {
        await WriteAsync(Actor.Pusher, 2, "presence-class-1", "member_added", AuditKinds.WebhookEvent);
        var client = await factory.SignInAsync(DemoUser.Auditor);

        var pusher = await RowsAsync(client, "/EventLog?user=push&event=member_added");
        Assert.NotEmpty(pusher);
        Assert.All(pusher, r => Assert.Equal("Pusher", r.Actor));

        var none = await LogPageTests.GetPageAsync(client, "/EventLog?user=no-such-person-anywhere");
        Assert.NotNull(none.QuerySelector("[data-testid=empty]"));
    }

    [Fact]
    public async Task An_actor_first_seen_after_a_search_is_found_by_the_next_one()
    {
        var client = await factory.SignInAsync(DemoUser.Auditor);
        Assert.Empty(LogPageTests.RowIds(await LogPageTests.GetPageAsync(client, "/EventLog?user=late-comer")));

        // An address nobody has (a guessed sign-in, say): not a person, only an actor of the log.
        var written = await WriteAsync(new Actor(null, "Late-Comer.Guess@elsewhere.test"), 2, "public", "late");

        Assert.Equal(written.Select(e => e.Id).OrderDescending(), LogPageTests.RowIds(await LogPageTests.GetPageAsync(client, "/EventLog?user=late-comer")));
    }

    [Fact]
    public async Task A_preset_fills_from_and_to_and_shows_only_entries_in_that_window()
    {
        // One entry two hours old, one now: "last hour" shows the second only.
        await factory.WithDbAsync(async db =>
        {
            db.AuditEntries.Add(new AuditEntry
            {
                TimeUtc = DateTime.UtcNow.AddHours(-2), Kind = AuditKinds.EventSent, ActorName = "teacher@school.test",
                Channel = "private-class-1", EventName = "preset-check", Outcome = "success", Data = "{\"old\":true}",
            });
            return await db.SaveChangesAsync();
        });
        var recent = await WriteAsync(new Actor(null, "teacher@school.test"), 1, "private-class-1", "preset-check");
        var client = await factory.SignInAsync(DemoUser.Auditor);

        var doc = await LogPageTests.GetPageAsync(client, "/EventLog?event=preset-check&range=hour");

        Assert.Equal([recent[0].Id], LogPageTests.RowIds(doc));
        var from = DateTime.Parse(((IHtmlInputElement)doc.QuerySelector("#from")!).Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
        Assert.InRange(DateTime.UtcNow - from, TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(61));
        // The links that follow (export, paging) carry the fixed window, not the moving preset.
        var export = doc.QuerySelector("a[data-testid=export-jsonl]")!.GetAttribute("href")!;
        Assert.Contains("from=", export);
        Assert.DoesNotContain("range=", export);

        var week = LogPageTests.RowIds(await LogPageTests.GetPageAsync(client, "/EventLog?event=preset-check&range=7d"));
        Assert.Equal(2, week.Count);
        var bad = await client.GetAsync("/EventLog/export.jsonl?range=fortnight");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Hide_machine_events_leaves_out_authorizations_and_webhook_events_in_the_page_and_the_export()
    {
        await WriteAsync(new Actor(null, "student@school.test"), 2, "private-class-31", "hide-check", AuditKinds.ChannelAuth);
        await WriteAsync(new Actor(null, "student@school.test"), 1, "private-class-31", "hide-check", AuditKinds.UserAuth);
        await WriteAsync(Actor.Pusher, 2, "private-class-31", "hide-check", AuditKinds.WebhookEvent);
        var people = await WriteAsync(new Actor(null, "teacher@school.test"), 2, "private-class-31", "hide-check");
        var client = await factory.SignInAsync(DemoUser.Auditor);

        Assert.Equal(7, LogPageTests.RowIds(await LogPageTests.GetPageAsync(client, "/EventLog?event=hide-check")).Count);
        var doc = await LogPageTests.GetPageAsync(client, "/EventLog?event=hide-check&hide=machine");
        Assert.Equal(people.Select(e => e.Id).OrderDescending(), LogPageTests.RowIds(doc));
        Assert.True(((IHtmlInputElement)doc.QuerySelector("[data-testid=hide-machine]")!).IsChecked);

        var lines = await JsonLinesAsync(client, "/EventLog/export.jsonl?event=hide-check&hide=machine");
        Assert.Equal(people.Select(e => e.Id).OrderDescending(), lines.Select(l => l.GetProperty("id").GetInt64()));
    }

    private static async Task<List<JsonElement>> JsonLinesAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.EndsWith("\n", text);
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    [Fact]
    public async Task Json_lines_export_has_one_object_per_entry_the_same_rows_as_the_csv_and_is_not_cached()
    {
        const string channel = "private-class-jsonl";
        await WriteAsync(new Actor(null, "teacher@school.test"), 3, channel, "jsonl-check", data: "{\"text\":\"a, \\\"b\\\"\\nc <script>\"}");
        await WriteAsync(new Actor(null, "teacher@school.test"), 1, channel, "jsonl-check", data: "=HYPERLINK(\"x\") not json");
        var client = await factory.SignInAsync(DemoUser.Auditor);

        var response = await client.GetAsync($"/EventLog/export.jsonl?channel={channel}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("no-store", response.Headers.CacheControl!.ToString());
        Assert.EndsWith(".jsonl", response.Content.Headers.ContentDisposition!.FileNameStar ?? response.Content.Headers.ContentDisposition.FileName);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<script>", body); // escaped: a line opened in a browser is never markup
        var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();

        var stored = await factory.WithDbAsync(db => db.AuditEntries.AsNoTracking().Where(e => e.Channel == channel).OrderByDescending(e => e.Id).ToListAsync());
        Assert.Equal(stored.Select(e => e.Id), lines.Select(l => l.GetProperty("id").GetInt64()));
        Assert.Equal(EventLogCsv.Header, lines[0].EnumerateObject().Select(p => p.Name));
        for (var i = 0; i < stored.Count; i++)
        {
            Assert.Equal(stored[i].Data, lines[i].GetProperty("data").GetString()); // the sealed text, exactly
            Assert.Equal(Convert.ToHexStringLower(stored[i].Hash), lines[i].GetProperty("hash").GetString());
            Assert.Equal(EventLogCsv.FormatTime(stored[i].TimeUtc), lines[i].GetProperty("time_utc").GetString());
            Assert.Equal(JsonValueKind.Null, lines[i].GetProperty("actor_id").ValueKind);
        }

        var csv = Csv.Parse(Encoding.UTF8.GetString((await client.GetByteArrayAsync($"/EventLog/export.csv?channel={channel}"))[3..]));
        Assert.Equal(csv.Skip(1).Select(r => long.Parse(r[0])), lines.Select(l => l.GetProperty("id").GetInt64()));

        var audit = await factory.WithDbAsync(db => db.AuditEntries.AsNoTracking().Where(e => e.Kind == AuditKinds.LogExported).OrderByDescending(e => e.Id).Skip(1).FirstAsync());
        Assert.Contains("\"format\":\"jsonl\"", audit.Data);
        Assert.Contains($"\"channel\":\"{channel}\"", audit.Data);
    }

    [Fact]
    public async Task The_log_names_people_and_classes_where_it_stored_ids_and_the_entry_page_and_exports_keep_the_ids()
    {
        var samId = await factory.UserIdAsync(DemoUser.Student.Email);
        var tomId = await factory.UserIdAsync(DemoUser.Teacher.Email);
        var classId = await factory.WithDbAsync(db => db.Set<AdminConsole.Web.Classes.SchoolClass>().Where(c => c.Name == "Physics 7A").Select(c => c.Id).SingleAsync());
        var member = await WriteAsync(new Actor(null, "admin@school.test"), 1, $"presence-class-{classId}", "names-check", AuditKinds.ClassMemberAdded,
            target: $"class:{classId}",
            data: JsonSerializer.Serialize(new { before = new { teachers = new[] { tomId }, students = Array.Empty<string>() }, after = new { teachers = new[] { tomId }, students = new[] { samId } } }));
        var sent = await WriteAsync(new Actor(null, "teacher@school.test"), 1, $"private-user-{samId}", "names-check", target: $"user:{samId}",
            data: JsonSerializer.Serialize(new { @event = "announcement", data = "{\"title\":\"Lab moved\",\"room\":\"B2\"}" }));
        var client = await factory.SignInAsync(DemoUser.Auditor);

        var doc = await LogPageTests.GetPageAsync(client, "/EventLog?event=names-check");
        var memberRow = doc.QuerySelector($"tr[data-id='{member[0].Id}']")!;
        Assert.Equal("Physics 7A", memberRow.QuerySelector("td[data-col=target]")!.TextContent.Trim());
        Assert.Equal($"class:{classId}", memberRow.QuerySelector("td[data-col=target]")!.GetAttribute("title"));
        Assert.Equal("Physics 7A (presence)", memberRow.QuerySelector("td[data-col=channel]")!.TextContent.Trim());
        var memberPayload = doc.QuerySelector($"#payload-{member[0].Id} pre")!.TextContent;
        Assert.Contains("\"Sam Student <student@school.test>\"", memberPayload);
        Assert.Contains("\"Tom Teacher <teacher@school.test>\"", memberPayload);
        Assert.DoesNotContain(samId, memberPayload);
        var sentRow = doc.QuerySelector($"tr[data-id='{sent[0].Id}']")!;
        Assert.Equal("Sam Student (private)", sentRow.QuerySelector("td[data-col=channel]")!.TextContent.Trim());
        Assert.Equal("Sam Student", sentRow.QuerySelector("td[data-col=target]")!.TextContent.Trim());

        // The entry page: the ids as stored, the names beside them, and the event's JSON string decoded.
        var entry = await LogPageTests.GetPageAsync(client, $"/EventLog/Entry/{sent[0].Id}");
        var details = entry.QuerySelector("[data-testid=entry]")!.TextContent;
        Assert.Contains($"private-user-{samId}", details);
        Assert.Contains($"user:{samId}", details);
        Assert.Equal("· Sam Student (private)", entry.QuerySelector("[data-testid=channel-name]")!.TextContent.Trim());
        var payload = entry.QuerySelector("[data-testid=payload]")!.TextContent.Replace("\r", "");
        Assert.Contains("\"data\": {\n    \"title\": \"Lab moved\",\n    \"room\": \"B2\"\n  }", payload);
        var memberEntry = await LogPageTests.GetPageAsync(client, $"/EventLog/Entry/{member[0].Id}");
        Assert.Contains(samId, memberEntry.QuerySelector("[data-testid=payload]")!.TextContent);

        // Exports keep the ids.
        var lines = await JsonLinesAsync(client, "/EventLog/export.jsonl?event=names-check");
        Assert.Equal([$"user:{samId}", $"class:{classId}"], lines.Select(l => l.GetProperty("target").GetString()));
        Assert.Equal($"private-user-{samId}", lines[0].GetProperty("channel").GetString());
    }
}

public sealed class AuditorSearchTests(ConsoleFactory factory) : AuditorSearchTests<ConsoleFactory>(factory);

public sealed class AuditorSearchTestsOnPostgres(ConsoleFactory.OnPostgres factory) : AuditorSearchTests<ConsoleFactory.OnPostgres>(factory);
