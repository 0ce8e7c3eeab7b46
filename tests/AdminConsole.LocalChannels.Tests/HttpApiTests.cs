using System.Net;
using System.Text;
using AdminConsole.Channels;
using AdminConsole.LocalChannels.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AdminConsole.LocalChannels.Tests;

/// <summary>Limits, status codes and plain-text errors of the HTTP API, sent with hand-signed requests the typed client would refuse to build.</summary>
public sealed class HttpApiTests
{
    private static async Task<(HttpStatusCode Status, string Body, string? ContentType)> SendAsync(ServerUnderTest s, HttpMethod method, string path,
        string? body = null, RequestSigner? signer = null, Func<string, string>? tamperQuery = null, IEnumerable<KeyValuePair<string, string>>? query = null)
    {
        signer ??= new RequestSigner(ServerUnderTest.Key, ServerUnderTest.Secret);
        var bytes = body is null ? [] : Encoding.UTF8.GetBytes(body);
        var signed = signer.Sign(method.Method, path, query, bytes).ToEscapedString();
        if (tamperQuery is not null) signed = tamperQuery(signed);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(method, $"http://127.0.0.1:{s.Port}{path}?{signed}");
        if (body is not null) request.Content = new ByteArrayContent(bytes) { Headers = { { "Content-Type", "application/json" } } };
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.MediaType);
    }

    private static string Events(string name, string data, params string[] channels) =>
        Json.Serialize(new { name, data, channels });

    [Fact]
    public async Task Limits_give_pusher_status_codes_with_plain_text_bodies()
    {
        await using var s = await ServerUnderTest.StartAsync();
        const string path = "/apps/4242/events";

        var tooBig = await SendAsync(s, HttpMethod.Post, path, Events("e", new string('x', 10 * 1024 + 1), "a"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.Status);
        Assert.Equal("text/plain", tooBig.ContentType);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(s, HttpMethod.Post, path, Events("e", new string('x', 10 * 1024), "a"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(s, HttpMethod.Post, path, Events("e", "{}", [.. Enumerable.Range(0, 101).Select(i => $"c{i}")]))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(s, HttpMethod.Post, path, Events(new string('n', 201), "{}", "a"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(s, HttpMethod.Post, path, Events("e", "{}", "bad:name"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(s, HttpMethod.Post, path, Events("e", "{}", "private-encrypted-a", "b"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(s, HttpMethod.Post, path, Json.Serialize(new { name = "e", data = new { not = "a string" }, channel = "a" }))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(s, HttpMethod.Post, path, Json.Serialize(new { name = "e", data = "{}", channel = "a", socket_id = "1.1:" }))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(s, HttpMethod.Post, path, "{not json")).Status);

        var batch = Json.Serialize(new { batch = Enumerable.Range(0, 11).Select(i => new { name = "e", data = "{}", channel = "a" }) });
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(s, HttpMethod.Post, "/apps/4242/batch_events", batch)).Status);

        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(s, HttpMethod.Get, "/apps/4242/channels/public-a", query: [new("info", "cache")])).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(s, HttpMethod.Get, "/apps/4242/channels/public-a", query: [new("info", "user_count")])).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(s, HttpMethod.Get, "/apps/9999/channels")).Status);
    }

    [Fact]
    public async Task Request_verification_refuses_expired_timestamps_bad_md5_and_unknown_keys()
    {
        await using var s = await ServerUnderTest.StartAsync();
        const string path = "/apps/4242/events";
        var body = Events("e", "{}", "a");

        var past = new FakeTimeProvider(DateTimeOffset.UtcNow.AddSeconds(-601));
        var expired = await SendAsync(s, HttpMethod.Post, path, body, new RequestSigner(ServerUnderTest.Key, ServerUnderTest.Secret, past));
        Assert.Equal(HttpStatusCode.Unauthorized, expired.Status);
        Assert.StartsWith("Timestamp expired", expired.Body);

        var nearlyExpired = new FakeTimeProvider(DateTimeOffset.UtcNow.AddSeconds(-590));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(s, HttpMethod.Post, path, body, new RequestSigner(ServerUnderTest.Key, ServerUnderTest.Secret, nearlyExpired))).Status);

        var md5 = await SendAsync(s, HttpMethod.Post, path, body, tamperQuery: q => System.Text.RegularExpressions.Regex.Replace(q, "body_md5=[0-9a-f]+", "body_md5=00000000000000000000000000000000"));
        Assert.Equal(HttpStatusCode.Unauthorized, md5.Status);

        var unknownKey = await SendAsync(s, HttpMethod.Post, path, body, new RequestSigner("other-key", ServerUnderTest.Secret));
        Assert.Equal(HttpStatusCode.Unauthorized, unknownKey.Status);
        Assert.Equal("text/plain", unknownKey.ContentType);

        var unsigned = await new HttpClient().PostAsync($"http://127.0.0.1:{s.Port}{path}", Json.Body(body));
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
    }

    [Fact]
    public async Task The_protocol_librarys_ChannelsClient_works_against_the_server_as_the_console_uses_it()
    {
        await using var s = await ServerUnderTest.StartAsync();
        await using var c = await RawClient.ConnectEstablishedAsync(s.Port, ServerUnderTest.Key);
        await c.SendAsync(new { @event = "pusher:subscribe", data = new { channel = "cache-board", auth = "" } });
        await c.ExpectAsync("pusher:cache_miss", "cache-board");

        using var http = new HttpClient();
        var client = new ChannelsClient(http, Options.Create(s.Server.CreateClientOptions()), TimeProvider.System);
        var result = await client.TriggerAsync("cache-board", "note", "{\"n\":1}", info: "subscription_count");
        Assert.Equal(1, result.Channels["cache-board"].SubscriptionCount);
        Assert.Equal("{\"n\":1}", (await c.ExpectAsync("note", "cache-board")).GetProperty("data").GetString());

        var info = await client.GetChannelAsync("cache-board", "subscription_count,cache");
        Assert.True(info.Occupied);
        Assert.Equal("{\"n\":1}", info.Cache?.Data);
        var list = await client.GetChannelsAsync();
        Assert.Equal(["cache-board"], list.Channels.Keys);
        Assert.Empty(await client.GetPresenceUsersAsync("presence-nobody"));
    }
}
