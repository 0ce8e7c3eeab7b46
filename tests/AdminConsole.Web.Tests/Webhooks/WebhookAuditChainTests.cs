using System.Net;
using AdminConsole.Channels;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminConsole.Web.Tests.Webhooks;

/// <summary>The webhook writer stores its audit entries without EF; they must still be sealed into the event log's chain.</summary>
public abstract class WebhookAuditChainTests<TConsole>(TConsole console) : IClassFixture<TConsole> where TConsole : WebhookConsole
{
    [Fact]
    public async Task Webhook_entries_interleaved_with_other_writers_leave_the_chain_intact()
    {
        var client = console.CreateClient();
        var body = Webhook.Body(WebhookEvent.ChannelOccupied("chain-a"), WebhookEvent.MemberAdded("presence-chain", "u1"));
        var writes = new List<Task<HttpResponseMessage>>();
        for (var i = 0; i < 20; i++)
        {
            writes.Add(Webhook.PostAsync(client, Webhook.Body(WebhookEvent.ChannelOccupied($"chain-{i}"), WebhookEvent.ChannelVacated($"chain-{i}"))));
            writes.Add(Webhook.PostAsync(client, body)); // duplicates after the first
            writes.Add(Webhook.PostAsync(client, Webhook.Body(WebhookEvent.ChannelOccupied("forged")), signature: new string('f', 64)));
        }
        // Sign-ins write their audit entries through EF at the same time.
        var signIns = Enumerable.Range(0, 3).Select(_ => console.SignInAsync(DemoUser.Auditor)).ToList();
        await Task.WhenAll(writes);
        await Task.WhenAll(signIns);
        await console.FlushRejectionsAsync();

        await using var scope = console.Services.CreateAsyncScope();
        var verdict = await scope.ServiceProvider.GetRequiredService<AuditChainVerifier>().VerifyAsync();
        Assert.True(verdict.Intact, verdict.Message);
        var db = scope.ServiceProvider.GetRequiredService<AdminConsole.Web.Data.AppDbContext>();
        Assert.Equal(verdict.VerifiedThroughId, await db.AuditEntries.MaxAsync(a => a.Id));
        // The 20 forgeries came from one source within a minute (or two, if the clock turned meanwhile): aggregated.
        var rejected = await db.AuditEntries.Where(a => a.Kind == AuditKinds.WebhookRejected).Select(a => a.Data).ToListAsync();
        Assert.InRange(rejected.Count, 1, 2);
        Assert.Equal(20, rejected.Sum(d => System.Text.Json.JsonDocument.Parse(d!).RootElement.GetProperty("count").GetInt64()));
        Assert.Equal(19, await db.AuditEntries.CountAsync(a => a.Kind == AuditKinds.WebhookDuplicate));
        Assert.Equal(42, await db.AuditEntries.CountAsync(a => a.Kind == AuditKinds.WebhookEvent));
        var sample = await db.AuditEntries.FirstAsync(a => a.Kind == AuditKinds.WebhookEvent && a.Channel == "chain-a");
        Assert.Equal(("Pusher", "channel_occupied", "accepted"), (sample.ActorName, sample.EventName, sample.Outcome));
    }
}

/// <summary>On SQLite.</summary>
public sealed class WebhookAuditChainTests(WebhookConsole console) : WebhookAuditChainTests<WebhookConsole>(console);

/// <summary>On PostgreSQL.</summary>
public sealed class WebhookAuditChainTestsOnPostgres(WebhookConsole.OnPostgres console) : WebhookAuditChainTests<WebhookConsole.OnPostgres>(console);
