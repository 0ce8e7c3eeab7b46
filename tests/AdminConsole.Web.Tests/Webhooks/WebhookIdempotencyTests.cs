using System.Net;
using System.Net.Http.Json;
using AdminConsole.Channels;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Tests.Webhooks;

public abstract class WebhookIdempotencyTests<TConsole>(TConsole console) : IClassFixture<TConsole> where TConsole : WebhookConsole
{
    [Fact]
    public async Task The_same_body_delivered_twice_is_stored_once_answered_200_both_times_and_counted()
    {
        var client = console.CreateClient();
        var body = Webhook.Body(WebhookEvent.MemberAdded("presence-retry", "u1"), WebhookEvent.ChannelOccupied("presence-retry"));

        var first = await Webhook.PostAsync(client, body);
        var second = await Webhook.PostAsync(client, body);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var a1 = (await first.Content.ReadFromJsonAsync<WebhookAck>())!;
        var a2 = (await second.Content.ReadFromJsonAsync<WebhookAck>())!;
        Assert.False(a1.Duplicate);
        Assert.True(a2.Duplicate);
        Assert.Equal(a1.Batch, a2.Batch);
        var batch = await console.QueryAsync(db => db.WebhookBatches.SingleAsync(b => b.Id == a1.Batch));
        Assert.Equal(1, batch.DuplicateCount);
        Assert.NotNull(batch.LastDuplicateMs);
        Assert.Equal(2, await console.QueryAsync(db => db.WebhookEvents.CountAsync(e => e.Channel == "presence-retry")));
        Assert.Equal(2, await console.QueryAsync(db => db.AuditEntries.CountAsync(a => a.Kind == AuditKinds.WebhookEvent && a.Channel == "presence-retry")));
        Assert.Equal(1, await console.QueryAsync(db => db.AuditEntries.CountAsync(a => a.Kind == AuditKinds.WebhookDuplicate && a.Target == "webhook:" + a1.Batch)));
    }

    [Fact]
    public async Task Concurrent_copies_of_one_body_are_stored_once()
    {
        var client = console.CreateClient();
        var body = Webhook.Body(WebhookEvent.ChannelOccupied("concurrent-retry"));

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Webhook.PostAsync(client, body)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var acks = await Task.WhenAll(responses.Select(r => r.Content.ReadFromJsonAsync<WebhookAck>()));
        Assert.Equal(19, acks.Count(a => a!.Duplicate));
        Assert.Equal(1, await console.QueryAsync(db => db.WebhookEvents.CountAsync(e => e.Channel == "concurrent-retry")));
        Assert.Equal(19, (await console.QueryAsync(db => db.WebhookBatches.SingleAsync(b => b.Id == acks[0]!.Batch))).DuplicateCount);
    }
}

/// <summary>On SQLite.</summary>
public sealed class WebhookIdempotencyTests(WebhookConsole console) : WebhookIdempotencyTests<WebhookConsole>(console);

/// <summary>On PostgreSQL.</summary>
public sealed class WebhookIdempotencyTestsOnPostgres(WebhookConsole.OnPostgres console) : WebhookIdempotencyTests<WebhookConsole.OnPostgres>(console);
