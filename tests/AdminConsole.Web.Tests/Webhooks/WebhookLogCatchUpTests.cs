using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AdminConsole.Channels;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Tests.Infrastructure;
using AdminConsole.Web.Webhooks;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminConsole.Web.Tests.Webhooks;

/// <summary>
/// Under load the webhook writer acknowledges first and appends the events' log entries afterwards, from the stored
/// bodies. Whatever mix of the two happened, the log must end with one entry per stored event, in delivery order,
/// with the chain intact; and deliveries stored but not yet logged when the process stopped are logged at start.
/// </summary>
public class WebhookLogCatchUpTests
{
    /// <summary>Defers the log whenever a delivery arrived in the last 100-200 ms, so a burst exercises the catch-up.</summary>
    private sealed class DeferringConsole : WebhookConsole
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
            [.. base.Settings, new("Webhooks:LogInlineUpToEventsPerSecond", "0")];
    }

    [Fact]
    public async Task A_burst_ends_with_one_entry_per_event_in_delivery_order()
    {
        using var console = new DeferringConsole();
        var client = console.CreateClient();
        var posts = Enumerable.Range(0, 40).Select(i => Webhook.PostAsync(client, Webhook.Body(
            WebhookEvent.ChannelOccupied($"burst-{i}"),
            WebhookEvent.MemberAdded($"presence-burst-{i % 3}", $"u{i}"),
            WebhookEvent.ClientEvent($"private-burst-{i}", "client-tick", $"{{\"i\":{i}}}", "1.2")))).ToList();
        foreach (var response in await Task.WhenAll(posts))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await WaitForLogAsync(console);

        await using var scope = console.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var entries = await db.AuditEntries.AsNoTracking().Where(a => a.Kind == AuditKinds.WebhookEvent).OrderBy(a => a.Id).ToListAsync();
        var events = await db.WebhookEvents.AsNoTracking().OrderBy(e => e.BatchId).ThenBy(e => e.Position).ToListAsync();
        Assert.Equal(120, events.Count);
        // Entry by entry, the stored events in delivery order: each once, with its batch and channel.
        Assert.Equal(
            events.Select(e => (WebhookTarget.Of(e.BatchId), e.Channel, e.Name)),
            entries.Select(a => (a.Target!, a.Channel, a.EventName!)));
        var verdict = await scope.ServiceProvider.GetRequiredService<AuditChainVerifier>().VerifyAsync();
        Assert.True(verdict.Intact, verdict.Message);
    }

    [Fact]
    public async Task A_delivery_stored_but_not_logged_before_a_stop_is_logged_at_start()
    {
        using var console = new WebhookConsole();
        var body = Webhook.Body(WebhookEvent.ChannelOccupied("private-class-7"), WebhookEvent.MemberAdded("presence-class-7", "student-3"));
        var batchId = StoreWithoutLogging(console.DatabasePath, body);

        console.CreateClient(); // starts the console on that database
        await WaitForLogAsync(console);

        await using var scope = console.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var entries = await db.AuditEntries.AsNoTracking().Where(a => a.Target == WebhookTarget.Of(batchId)).OrderBy(a => a.Id).ToListAsync();
        Assert.Equal(
            [(AuditKinds.WebhookEvent, "private-class-7", "channel_occupied", "accepted", "Pusher"), (AuditKinds.WebhookEvent, "presence-class-7", "member_added", "accepted", "Pusher")],
            entries.Select(a => (a.Kind, a.Channel, a.EventName, a.Outcome, a.ActorName)));
        using (var data = JsonDocument.Parse(entries[1].Data!))
            Assert.Equal("student-3", data.RootElement.GetProperty("user_id").GetString());
        Assert.Equal(batchId, await db.AuditChainStates.Select(c => c.LoggedWebhookBatchId).SingleAsync());
        var verdict = await scope.ServiceProvider.GetRequiredService<AuditChainVerifier>().VerifyAsync();
        Assert.True(verdict.Intact, verdict.Message);
    }

    [Fact]
    public async Task A_stored_body_that_no_longer_parses_is_logged_as_unreadable_and_does_not_hold_back_the_rest()
    {
        using var console = new WebhookConsole();
        var broken = StoreWithoutLogging(console.DatabasePath, Webhook.Body(WebhookEvent.ChannelOccupied("private-class-4")), storedBody: "{\"time_ms\":");
        var next = StoreWithoutLogging(console.DatabasePath, Webhook.Body(WebhookEvent.ChannelVacated("private-class-4")));

        console.CreateClient();
        await WaitForLogAsync(console);

        var entries = await console.QueryAsync(db => db.AuditEntries.Where(a => a.Kind == AuditKinds.WebhookEvent).OrderBy(a => a.Id)
            .Select(a => new { a.Target, a.Outcome, a.EventName }).ToListAsync());
        Assert.Equal(
            [(WebhookTarget.Of(broken), "unreadable", (string?)null), (WebhookTarget.Of(next), "accepted", "channel_vacated")],
            entries.Select(e => (e.Target!, e.Outcome!, e.EventName)));
    }

    [Fact]
    public async Task The_log_page_says_so_while_stored_deliveries_wait_and_logs_them_first()
    {
        using var console = new WebhookConsole();
        var auditor = await console.SignInAsync(DemoUser.Auditor);
        // Stored behind the running writer's back, as if acknowledged under load and not logged yet.
        var waiting = StoreWithoutLogging(console.DatabasePath, Webhook.Body(WebhookEvent.ChannelOccupied("private-class-9")));

        var page = await auditor.GetStringAsync("/EventLog");
        Assert.Contains("data-testid=\"log-catching-up\"", page);
        Assert.Contains("The events of 1 webhook delivery received under load", page);

        // The next delivery finds an older one unlogged: both are logged, the older first, and the notice goes.
        var response = await Webhook.PostAsync(console.CreateClient(), Webhook.Body(WebhookEvent.ChannelVacated("private-class-9")));
        var next = (await response.Content.ReadFromJsonAsync<WebhookAck>())!.Batch;
        await WaitForLogAsync(console);
        var targets = await console.QueryAsync(db => db.AuditEntries.Where(a => a.Kind == AuditKinds.WebhookEvent && a.Channel == "private-class-9")
            .OrderBy(a => a.Id).Select(a => a.Target).ToListAsync());
        Assert.Equal([WebhookTarget.Of(waiting), WebhookTarget.Of(next)], targets);
        Assert.DoesNotContain("log-catching-up", await auditor.GetStringAsync("/EventLog"));
    }

    /// <summary>What an acknowledging transaction leaves when the process dies before the log catches up: the migrated database with the delivery and its events, the log cursor behind it.</summary>
    /// <param name="storedBody">What the database holds as the body, if not <paramref name="body"/> (a body changed after it was verified).</param>
    private static long StoreWithoutLogging(string databasePath, string body, string? storedBody = null)
    {
        using (var db = Open(databasePath))
            db.Database.Migrate();
        using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        connection.Open();
        var webhook = AdminConsole.Channels.Webhook.Parse(body);
        var bytes = Encoding.UTF8.GetBytes(storedBody ?? body);
        using var tx = connection.BeginTransaction();
        using var batch = connection.CreateCommand();
        batch.CommandText = """
            INSERT INTO WebhookBatches (ReceivedMs, TimeMs, BodySha256, Body, EventCount, DuplicateCount)
            VALUES ($t, $t, $sha, $body, $count, 0) RETURNING Id
            """;
        batch.Parameters.AddWithValue("$t", webhook.TimeMs);
        batch.Parameters.AddWithValue("$sha", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
        batch.Parameters.AddWithValue("$body", bytes);
        batch.Parameters.AddWithValue("$count", webhook.Events.Count);
        var batchId = (long)batch.ExecuteScalar()!;
        for (var i = 0; i < webhook.Events.Count; i++)
        {
            using var e = connection.CreateCommand();
            e.CommandText = "INSERT INTO WebhookEvents (BatchId, Position, TimeMs, ReceivedMs, Name, Channel, UserId) VALUES ($b, $p, $t, $t, $n, $c, $u)";
            e.Parameters.AddWithValue("$b", batchId);
            e.Parameters.AddWithValue("$p", i);
            e.Parameters.AddWithValue("$t", webhook.TimeMs);
            e.Parameters.AddWithValue("$n", webhook.Events[i].Name);
            e.Parameters.AddWithValue("$c", (object?)webhook.Events[i].Channel ?? DBNull.Value);
            e.Parameters.AddWithValue("$u", (object?)webhook.Events[i].UserId ?? DBNull.Value);
            e.ExecuteNonQuery();
        }
        tx.Commit();
        return batchId;
    }

    private static async Task WaitForLogAsync(WebhookConsole console)
    {
        await using var scope = console.Services.CreateAsyncScope();
        await WaitForLogAsync(scope.ServiceProvider.GetRequiredService<AppDbContext>(), TimeSpan.FromSeconds(30));
    }

    /// <summary>Waits until the log cursor has reached the newest stored delivery.</summary>
    internal static Task WaitForLogAsync(AppDbContext db, TimeSpan within)
    {
        long logged = 0, stored = 0;
        return Eventually.UntilAsync(async () =>
        {
            logged = await db.AuditChainStates.AsNoTracking().Select(c => c.LoggedWebhookBatchId).SingleAsync();
            stored = await db.WebhookBatches.MaxAsync(b => (long?)b.Id) ?? 0;
            return logged >= stored;
        }, within, "the log to reach the newest stored delivery", describe: () => $"it reached delivery {logged} of {stored}");
    }

    /// <summary>The console's database opened directly, as a second process would.</summary>
    internal static AppDbContext Open(string databasePath) =>
        new SqliteAppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseSqlite($"Data Source={databasePath};Pooling=False").AddInterceptors(new AuditChainSaving()).Options);
}
