using System.Net;
using System.Text.Json;
using AdminConsole.Channels;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Tests.Infrastructure;
using AdminConsole.Web.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace AdminConsole.Web.Tests.Webhooks;

/// <summary>
/// Anyone can post to /pusher/webhook: refusals are written once per source address and minute, with a count and the
/// first refusal's details, so a flood of forgeries cannot fill the log (or the writer) with entries.
/// </summary>
public class WebhookRejectionAggregationTests(WebhookRejectionAggregationTests.FakeClockConsole console)
    : IClassFixture<WebhookRejectionAggregationTests.FakeClockConsole>
{
    /// <summary>The webhook console on a fake clock (20 s into a minute), with the caller's address taken from a test header.</summary>
    public sealed class FakeClockConsole : WebhookConsole
    {
        public const string SourceHeader = "X-Test-Source";
        public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 30, 9, 0, 20, TimeSpan.Zero));

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(s =>
            {
                s.Replace(ServiceDescriptor.Singleton<TimeProvider>(Time));
                s.AddTransient<IStartupFilter, SourceFromHeader>();
            });
        }

        private sealed class SourceFromHeader : IStartupFilter
        {
            public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
            {
                app.Use((context, nextMiddleware) =>
                {
                    if (IPAddress.TryParse(context.Request.Headers[SourceHeader], out var address))
                        context.Connection.RemoteIpAddress = address;
                    return nextMiddleware(context);
                });
                next(app);
            };
        }
    }

    [Fact]
    public async Task A_flood_of_forgeries_from_one_address_in_one_minute_is_one_entry_with_its_count()
    {
        var client = console.CreateClient();
        var before = await console.QueryAsync(db => db.AuditEntries.CountAsync(a => a.Kind == AuditKinds.WebhookRejected));
        var first = Webhook.Body(WebhookEvent.ChannelOccupied("forged-first"));

        Assert.Equal(HttpStatusCode.Unauthorized, (await PostFromAsync(client, "127.0.0.2", first)).StatusCode);
        var floods = Enumerable.Range(0, 300).Select(i => PostFromAsync(client, "127.0.0.2", Webhook.Body(WebhookEvent.ChannelOccupied($"forged-{i}"))));
        var others = Enumerable.Range(0, 7).Select(i => PostFromAsync(client, "127.0.0.3", Webhook.Body(WebhookEvent.ChannelOccupied($"other-{i}"))));
        // A signed webhook meanwhile is stored as usual.
        var signed = Webhook.PostAsync(client, Webhook.Body(WebhookEvent.ChannelOccupied("genuine-during-flood")));
        var responses = await Task.WhenAll(floods.Concat(others));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        Assert.Equal(HttpStatusCode.OK, (await signed).StatusCode);

        // Nothing is written while the minute lasts ...
        Assert.Equal(before, await console.QueryAsync(db => db.AuditEntries.CountAsync(a => a.Kind == AuditKinds.WebhookRejected)));

        // ... and when it ends, one entry per source.
        console.Time.Advance(TimeSpan.FromSeconds(41));
        List<AuditEntry> entries = [];
        await Eventually.UntilAsync(async () =>
        {
            entries = await console.QueryAsync(db => db.AuditEntries.AsNoTracking().Where(a => a.Kind == AuditKinds.WebhookRejected).OrderBy(a => a.Id).ToListAsync());
            return entries.Count == before + 2;
        }, TimeSpan.FromSeconds(10), "the minute's two aggregated entries");

        var flood = entries.Single(e => e.ActorName == "webhook sender 127.0.0.2");
        var data = JsonDocument.Parse(flood.Data!).RootElement;
        Assert.Equal(301, data.GetProperty("count").GetInt64());
        Assert.Equal("bad-signature", data.GetProperty("check").GetString());
        // The first refusal's details: its body's hash, and one delivery-log row for it.
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(first)));
        Assert.Equal("body:" + sha, flood.Target);
        Assert.Equal(1, await console.QueryAsync(db => db.WebhookRejections.CountAsync(r => r.RemoteAddress == "127.0.0.2")));
        Assert.Equal(7, JsonDocument.Parse(entries.Single(e => e.ActorName == "webhook sender 127.0.0.3").Data!).RootElement.GetProperty("count").GetInt64());

        await using var scope = console.Services.CreateAsyncScope();
        var verdict = await scope.ServiceProvider.GetRequiredService<AuditChainVerifier>().VerifyAsync();
        Assert.True(verdict.Intact, verdict.Message);
    }

    private static Task<HttpResponseMessage> PostFromAsync(HttpClient client, string source, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/pusher/webhook") { Content = new StringContent(body) };
        request.Headers.Add(FakeClockConsole.SourceHeader, source);
        request.Headers.Add("X-Pusher-Key", WebhookConsole.Key);
        request.Headers.Add("X-Pusher-Signature", new string('0', 64));
        return client.SendAsync(request);
    }
}
