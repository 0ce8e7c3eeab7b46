using System.Net;
using System.Net.Http.Json;
using System.Text;
using AdminConsole.Channels;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Occupancy;
using AdminConsole.Web.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Tests.Webhooks;

public abstract class WebhookEndpointTests<TConsole>(TConsole console) : IClassFixture<TConsole> where TConsole : WebhookConsole
{
    private readonly HttpClient _client = console.CreateClient();

    [Fact]
    public async Task Single_event_is_stored_with_its_fields_projected_and_audited_before_the_200()
    {
        var body = Webhook.Body(WebhookEvent.ChannelOccupied("single-occupied"));

        var response = await Webhook.PostAsync(_client, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var ack = await response.Content.ReadFromJsonAsync<WebhookAck>();
        Assert.False(ack!.Duplicate);
        Assert.Equal(1, ack.Events);
        // No waiting: the 200 means it is committed.
        var batch = await console.QueryAsync(db => db.WebhookBatches.Include(b => b.Events).SingleAsync(b => b.Id == ack.Batch));
        Assert.Equal(body, Encoding.UTF8.GetString(batch.Body));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(body))), batch.BodySha256);
        var ev = Assert.Single(batch.Events);
        Assert.Equal(("channel_occupied", "single-occupied"), (ev.Name, ev.Channel));
        var state = await console.QueryAsync(db => db.ChannelStates.SingleAsync(c => c.Channel == "single-occupied"));
        Assert.True(state.Occupied);
        Assert.Equal("public", state.Kind);
        Assert.Equal(batch.TimeMs, state.OccupiedSinceMs);
        var audit = await console.QueryAsync(db => db.AuditEntries.SingleAsync(a => a.Channel == "single-occupied"));
        Assert.Equal((AuditKinds.WebhookEvent, "Pusher", "channel_occupied", "accepted"), (audit.Kind, audit.ActorName, audit.EventName, audit.Outcome));
    }

    [Fact]
    public async Task Batched_body_stores_every_event_with_all_fields()
    {
        var body = Webhook.Body(
            WebhookEvent.ChannelOccupied("presence-batch"),
            WebhookEvent.MemberAdded("presence-batch", "u1"),
            WebhookEvent.MemberAdded("presence-batch", "u2"),
            WebhookEvent.ClientEvent("presence-batch", "client-typing", "{\"on\":true}", "123.456", "u1"),
            WebhookEvent.SubscriptionCountChanged("batch-public", 7),
            WebhookEvent.CacheMiss("cache-batch"));

        var response = await Webhook.PostAsync(_client, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var ack = (await response.Content.ReadFromJsonAsync<WebhookAck>())!;
        var events = await console.QueryAsync(db => db.WebhookEvents.Where(e => e.BatchId == ack.Batch).OrderBy(e => e.Position).ToListAsync());
        Assert.Equal(6, events.Count);
        var client = events[3];
        Assert.Equal(("client_event", "presence-batch", "u1", "client-typing", "{\"on\":true}", "123.456"),
            (client.Name, client.Channel, client.UserId, client.EventName, client.Data, client.SocketId));
        Assert.Equal(7, events[4].SubscriptionCount);
        var presence = await console.QueryAsync(db => db.ChannelStates.SingleAsync(c => c.Channel == "presence-batch"));
        Assert.Equal((true, 2, "presence"), (presence.Occupied, presence.UserCount, presence.Kind));
        Assert.Equal(7, (await console.QueryAsync(db => db.ChannelStates.SingleAsync(c => c.Channel == "batch-public"))).SubscriptionCount);
        Assert.Equal(6, await console.QueryAsync(db => db.AuditEntries.CountAsync(a => a.Kind == AuditKinds.WebhookEvent && a.Target == "webhook:" + ack.Batch)));
    }

    [Fact]
    public async Task Unknown_event_names_are_stored_as_received_and_acknowledged()
    {
        var body = Webhook.Body(WebhookEvent.Create("channel_exploded", "unknown-kind", userId: "x"));

        var response = await Webhook.PostAsync(_client, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var ev = await console.QueryAsync(db => db.WebhookEvents.SingleAsync(e => e.Channel == "unknown-kind"));
        Assert.Equal("channel_exploded", ev.Name);
        var state = await console.QueryAsync(db => db.ChannelStates.SingleAsync(c => c.Channel == "unknown-kind"));
        Assert.False(state.Occupied);
        Assert.Equal("channel_exploded", state.LastEventName);
    }

    public static TheoryData<string, string?, string?, bool, HttpStatusCode, string> Refusals => new()
    {
        // name, key header, signature header (null = correct one), send signature, expected status, check
        { "wrong key", "not-our-key", null, true, HttpStatusCode.Unauthorized, WebhookRejectionChecks.UnknownKey },
        { "wrong signature", WebhookConsole.Key, new string('0', 64), true, HttpStatusCode.Unauthorized, WebhookRejectionChecks.BadSignature },
        { "signature of another secret", WebhookConsole.Key, "sig-other-secret", true, HttpStatusCode.Unauthorized, WebhookRejectionChecks.BadSignature },
        { "missing key header", null, null, true, HttpStatusCode.Unauthorized, WebhookRejectionChecks.MissingKey },
        { "missing signature header", WebhookConsole.Key, null, false, HttpStatusCode.Unauthorized, WebhookRejectionChecks.MissingSignature },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Bad_credentials_are_refused_with_401_recorded_and_nothing_stored(string name, string? key, string? signature, bool sign, HttpStatusCode status, string check)
    {
        var channel = "refused-" + name.Replace(' ', '-');
        var body = Webhook.Body(WebhookEvent.ChannelOccupied(channel));
        if (signature == "sig-other-secret") signature = new WebhookSigner("some-other-secret").Sign(body);
        var before = await CountsAsync();
        // Refusals are recorded per source and minute, with the first one's details: start a fresh window.
        await console.FlushRejectionsAsync();

        var response = await Webhook.PostAsync(_client, body, key, signature, sign);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, await CountsAsync());
        await console.FlushRejectionsAsync();
        Assert.False(await console.QueryAsync(db => db.ChannelStates.AnyAsync(c => c.Channel == channel)));
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(body)));
        var rejection = await console.QueryAsync(db => db.WebhookRejections.SingleAsync(r => r.BodySha256 == sha));
        Assert.Equal((check, (int)status), (rejection.FailedCheck, rejection.Status));
        Assert.False(string.IsNullOrEmpty(rejection.Reason));
        Assert.DoesNotContain(WebhookConsole.Secret, rejection.Reason);
        Assert.True(await console.QueryAsync(db => db.AuditEntries.AnyAsync(a => a.Kind == AuditKinds.WebhookRejected && a.Target == "body:" + sha)));
    }

    public static TheoryData<string, string> MalformedBodies => new()
    {
        { "not json", "{\"time_ms\":1700000000000,\"events\":[" },
        { "not an object", "[1,2,3]" },
        { "no time_ms", "{\"events\":[{\"name\":\"channel_occupied\",\"channel\":\"x\"}]}" },
        { "empty events array", "{\"time_ms\":1700000000001,\"events\":[]}" },
        { "event without name", "{\"time_ms\":1700000000002,\"events\":[{\"channel\":\"x\"}]}" },
        { "member without user_id", "{\"time_ms\":1700000000003,\"events\":[{\"name\":\"channel_occupied\",\"channel\":\"malformed-ok\"},{\"name\":\"member_added\",\"channel\":\"presence-malformed\"}]}" },
        { "occupied without channel", "{\"time_ms\":1700000000004,\"events\":[{\"name\":\"channel_occupied\"}]}" },
        { "negative time", "{\"time_ms\":-5,\"events\":[{\"name\":\"channel_occupied\",\"channel\":\"malformed-neg\"}]}" },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task Signed_but_malformed_bodies_get_400_with_a_reason_and_nothing_is_half_stored(string name, string body)
    {
        var before = await CountsAsync();

        var response = await Webhook.PostAsync(_client, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ProblemDetails>();
        Assert.False(string.IsNullOrWhiteSpace(problem!.Detail), name);
        Assert.Equal(before, await CountsAsync());
        Assert.False(await console.QueryAsync(db => db.ChannelStates.AnyAsync(c => c.Channel.StartsWith("malformed-"))));
    }

    [Fact]
    public async Task Body_over_one_megabyte_gets_413_and_is_recorded()
    {
        var big = Webhook.Body(WebhookEvent.ClientEvent("private-big", "client-x", new string('a', WebhookReceiver.MaxBodyBytes), "1.1"));
        var before = await CountsAsync();
        await console.FlushRejectionsAsync();

        var response = await Webhook.PostAsync(_client, big);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(before, await CountsAsync());
        await console.FlushRejectionsAsync();
        Assert.True(await console.QueryAsync(db => db.WebhookRejections.AnyAsync(r => r.FailedCheck == WebhookRejectionChecks.TooLarge && r.Status == 413)));
    }

    [Fact]
    public async Task Body_just_under_the_limit_is_accepted()
    {
        var skeleton = Webhook.Body(WebhookEvent.ClientEvent("private-almost", "client-x", "", "1.1"));
        var body = Webhook.Body(WebhookEvent.ClientEvent("private-almost", "client-x", new string('b', WebhookReceiver.MaxBodyBytes - skeleton.Length - 10), "1.1"));

        var response = await Webhook.PostAsync(_client, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private Task<(int Batches, int Events, int Audited, int Channels)> CountsAsync() =>
        console.QueryAsync(async db => (
            await db.WebhookBatches.CountAsync(),
            await db.WebhookEvents.CountAsync(),
            await db.AuditEntries.CountAsync(a => a.Kind == AuditKinds.WebhookEvent),
            await db.ChannelStates.CountAsync()));
}

/// <summary>The console with no app credentials and local mode off: nothing to verify webhooks with.</summary>
public sealed class UnconfiguredConsole : Infrastructure.ConsoleFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Pusher:Local:Enabled", "false")];
}

/// <summary>Without app credentials a webhook cannot be verified: it is refused, and the reason says what to configure.</summary>
public class WebhookWithoutCredentialsTests(UnconfiguredConsole console) : IClassFixture<UnconfiguredConsole>
{
    [Fact]
    public async Task Webhook_is_refused_with_401_naming_the_missing_settings()
    {
        var response = await Webhook.PostAsync(console.CreateClient(), Webhook.Body(WebhookEvent.ChannelOccupied("nocreds")));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ProblemDetails>();
        Assert.Contains("PUSHER_SECRET", problem!.Detail);
    }
}

/// <summary>On SQLite.</summary>
public sealed class WebhookEndpointTests(WebhookConsole console) : WebhookEndpointTests<WebhookConsole>(console);

/// <summary>On PostgreSQL.</summary>
public sealed class WebhookEndpointTestsOnPostgres(WebhookConsole.OnPostgres console) : WebhookEndpointTests<WebhookConsole.OnPostgres>(console);
