using System.Net;
using AdminConsole.Channels;
using AdminConsole.Web.EventLog;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminConsole.Web.Tests.Webhooks;

/// <summary>Issue 14, defect 1: a lone surrogate in a signed webhook must not break the event log's integrity check.</summary>
public abstract class WebhookSurrogateTests<TConsole>(TConsole console) : IClassFixture<TConsole> where TConsole : WebhookConsole
{
    [Fact]
    public async Task A_channel_name_with_a_lone_surrogate_is_stored_as_sealed_and_the_log_verifies_intact()
    {
        var client = console.CreateClient();
        // JSON escapes can carry a lone surrogate that no UTF-8 text could: "private-x\ud800".
        var body = Webhook.Body(WebhookEvent.ChannelOccupied("private-xSURROGATE")).Replace("SURROGATE", "\\ud800", StringComparison.Ordinal);
        Assert.Contains("\\ud800", body, StringComparison.Ordinal);
        var response = await Webhook.PostAsync(client, body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // A later, ordinary delivery: the chain must verify through both.
        Assert.Equal(HttpStatusCode.OK, (await Webhook.PostAsync(client, Webhook.Body(WebhookEvent.ChannelOccupied("after-surrogate")))).StatusCode);

        await using var scope = console.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AdminConsole.Web.Data.AppDbContext>();
        var stored = await db.AuditEntries.AsNoTracking().SingleAsync(a => a.Kind == AuditKinds.WebhookEvent && a.Channel!.StartsWith("private-x"));
        Assert.Equal("private-x\uFFFD", stored.Channel);
        var verdict = await scope.ServiceProvider.GetRequiredService<AuditChainVerifier>().VerifyAsync();
        Assert.True(verdict.Intact, verdict.Message);
        Assert.Empty(verdict.Breaks);
    }
}

/// <summary>On SQLite.</summary>
public sealed class WebhookSurrogateTests(WebhookConsole console) : WebhookSurrogateTests<WebhookConsole>(console);

/// <summary>On PostgreSQL.</summary>
public sealed class WebhookSurrogateTestsOnPostgres(WebhookConsole.OnPostgres console) : WebhookSurrogateTests<WebhookConsole.OnPostgres>(console);
