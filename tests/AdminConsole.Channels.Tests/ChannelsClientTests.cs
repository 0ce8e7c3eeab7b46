using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AdminConsole.Channels.Tests;

// The client against a real HTTP listener on loopback: what goes on the wire, and how answers become results or exceptions.
public sealed class ChannelsClientTests : IAsyncLifetime
{
    private const string Secret = "s3cr3t-DO-NOT-LEAK";
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_764_000_000);
    private readonly FakeTimeProvider _time = new(Now);
    private readonly byte[] _masterKey = RandomNumberGenerator.GetBytes(32);
    private LoopbackApi _api = null!;
    private ChannelsClient _client = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _api = await LoopbackApi.StartAsync();
        _http = new HttpClient();
        _client = new ChannelsClient(_http, Options.Create(OptionsFor(_api.Port)), _time);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _api.DisposeAsync();
    }

    private ChannelsOptions OptionsFor(int port) => new()
    {
        AppId = "123",
        Key = "app-key",
        Secret = Secret,
        Host = "127.0.0.1",
        Port = port,
        Scheme = "http",
        EncryptionMasterKeyBase64 = Convert.ToBase64String(_masterKey),
    };

    private RecordedRequest SingleRequest()
    {
        var request = Assert.Single(_api.Requests);
        var verdict = new RequestSigner("app-key", Secret, _time).Verify(request.Method, request.Path, request.Query, request.Body);
        Assert.True(verdict.IsValid, verdict.Reason);
        return request;
    }

    private static string Text(RecordedRequest r) => Encoding.UTF8.GetString(r.Body);

    private void Answer(int status, string body) => _api.Handler = (ctx, _) =>
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/plain";
        return ctx.Response.WriteAsync(body);
    };

    [Fact]
    public async Task Trigger_posts_the_signed_event_to_the_events_path()
    {
        var result = await _client.TriggerAsync(["private-a", "presence-b"], "my-event", "{\"msg\":\"Zoë 王\"}");

        var request = SingleRequest();
        Assert.Equal("POST", request.Method);
        Assert.Equal("/apps/123/events", request.Path);
        Assert.Equal("application/json", request.ContentType);
        Assert.Equal("{\"name\":\"my-event\",\"data\":\"{\\\"msg\\\":\\\"Zoë 王\\\"}\",\"channels\":[\"private-a\",\"presence-b\"]}", Text(request));
        Assert.Contains(KeyValuePair.Create("auth_timestamp", Now.ToUnixTimeSeconds().ToString()), request.Query);
        Assert.Contains(KeyValuePair.Create("body_md5", Convert.ToHexStringLower(MD5.HashData(request.Body))), request.Query);
        Assert.Empty(result.Channels);
    }

    [Fact]
    public async Task Trigger_with_socket_id_and_info_returns_channel_attributes()
    {
        _api.Handler = (ctx, _) => ctx.Response.WriteAsync("{\"channels\":{\"presence-a\":{\"user_count\":42,\"subscription_count\":51},\"b\":{}}}");
        var result = await _client.TriggerAsync(["presence-a", "b"], "e", "d", socketId: "123.456", info: "user_count,subscription_count");

        var request = SingleRequest();
        Assert.Equal("{\"name\":\"e\",\"data\":\"d\",\"channels\":[\"presence-a\",\"b\"],\"socket_id\":\"123.456\",\"info\":\"user_count,subscription_count\"}", Text(request));
        Assert.Equal(new ChannelInfo(null, 42, 51, null), result.Channels["presence-a"]);
        Assert.Equal(new ChannelInfo(null, null, null, null), result.Channels["b"]);
    }

    [Fact]
    public async Task Trigger_to_an_encrypted_channel_sends_a_secretbox_payload()
    {
        await _client.TriggerAsync("private-encrypted-x", "e", "{\"secret\":\"Zoë\"}");

        var body = JsonNode.Parse(Text(SingleRequest()))!;
        var payload = body["data"]!.GetValue<string>();
        Assert.StartsWith("{\"nonce\":\"", payload);
        Assert.DoesNotContain("Zoë", Text(_api.Requests.Single()));
        Assert.Equal("{\"secret\":\"Zoë\"}", ChannelEncryption.Decrypt("private-encrypted-x", payload, _masterKey));
    }

    [Fact]
    public async Task Limits_are_enforced_before_anything_is_sent()
    {
        var hundred = Enumerable.Range(0, 100).Select(i => "c" + i).ToList();
        await _client.TriggerAsync(hundred, "e", "d");
        _api.Requests.Clear();

        async Task<string> Refused(Func<Task> call)
        {
            var e = await Assert.ThrowsAsync<ChannelsValidationException>(call);
            Assert.DoesNotContain(Secret, e.Message);
            return e.Field;
        }

        Assert.Equal("channels", await Refused(() => _client.TriggerAsync([.. hundred, "c100"], "e", "d")));
        Assert.Equal("channels", await Refused(() => _client.TriggerAsync(Array.Empty<string>(), "e", "d")));
        Assert.Equal("channels", await Refused(() => _client.TriggerAsync(["private-encrypted-x", "a"], "e", "d")));
        Assert.Equal("channel", await Refused(() => _client.TriggerAsync(["bad:name"], "e", "d")));
        Assert.Equal("name", await Refused(() => _client.TriggerAsync("a", new string('e', 201), "d")));
        Assert.Equal("name", await Refused(() => _client.TriggerAsync("a", "", "d")));
        Assert.Equal("data", await Refused(() => _client.TriggerAsync("a", "e", new string('x', 10241))));
        // 3414 × "王" is 10 242 UTF-8 bytes but only 3414 chars: the limit counts bytes.
        Assert.Equal("data", await Refused(() => _client.TriggerAsync("a", "e", string.Concat(Enumerable.Repeat("王", 3414)))));
        // Encryption adds nonce, tag and base64 (about 4/3 + 60 bytes): 7 650 bytes of plaintext no longer fit.
        Assert.Equal("data", await Refused(() => _client.TriggerAsync("private-encrypted-x", "e", new string('x', 7650))));
        Assert.Equal("socket_id", await Refused(() => _client.TriggerAsync("a", "e", "d", socketId: "1.1:")));
        Assert.Equal("info", await Refused(() => _client.TriggerAsync("a", "e", "d", info: "user_count,")));
        Assert.Equal("batch", await Refused(() => _client.TriggerBatchAsync(Enumerable.Range(0, 11).Select(i => new BatchEvent("c", "e", "d")).ToList())));
        Assert.Equal("batch", await Refused(() => _client.TriggerBatchAsync([])));
        Assert.Equal("channel", await Refused(() => _client.GetPresenceUsersAsync("private-a")));
        Assert.Equal("userId", await Refused(() => _client.TerminateUserConnectionsAsync("a/b")));
        Assert.Equal("userId", await Refused(() => _client.SendToUserAsync("", "e", "d")));
        Assert.Empty(_api.Requests);

        await _client.TriggerAsync("a", new string('e', 200), new string('x', 10240));
        await _client.TriggerAsync("a", "e", string.Concat(Enumerable.Repeat("王", 3413)));
        Assert.Equal(2, _api.Requests.Count);
    }

    [Fact]
    public async Task Batch_posts_each_event_with_its_channel_and_reads_attributes()
    {
        _api.Handler = (ctx, _) => ctx.Response.WriteAsync("{\"batch\":[{\"user_count\":1},{}]}");
        var result = await _client.TriggerBatchAsync([
            new BatchEvent("presence-a", "e1", "d1", Info: "user_count"),
            new BatchEvent("private-encrypted-x", "e2", "secret data", SocketId: "1.2"),
        ]);

        var request = SingleRequest();
        Assert.Equal("/apps/123/batch_events", request.Path);
        var batch = JsonNode.Parse(Text(request))!["batch"]!.AsArray();
        Assert.Equal("{\"name\":\"e1\",\"channel\":\"presence-a\",\"data\":\"d1\",\"info\":\"user_count\"}", batch[0]!.ToJsonString());
        Assert.Equal("secret data", ChannelEncryption.Decrypt("private-encrypted-x", batch[1]!["data"]!.GetValue<string>(), _masterKey));
        Assert.Equal("1.2", batch[1]!["socket_id"]!.GetValue<string>());
        Assert.Equal([new ChannelInfo(null, 1, null, null), new ChannelInfo(null, null, null, null)], result.Batch);
    }

    [Fact]
    public async Task Channel_queries_use_signed_gets()
    {
        _api.Handler = (ctx, r) => ctx.Response.WriteAsync(r.Path switch
        {
            "/apps/123/channels" => "{\"channels\":{\"presence-a\":{\"user_count\":2},\"presence-b\":{}}}",
            "/apps/123/channels/cache-a" => "{\"occupied\":true,\"subscription_count\":3,\"cache\":{\"data\":\"{\\\"x\\\":1}\",\"ttl\":60}}",
            "/apps/123/channels/presence-a/users" => "{\"users\":[{\"id\":\"1\"},{\"id\":\"Zoë\"}]}",
            _ => "{}",
        });

        var list = await _client.GetChannelsAsync("presence-", "user_count");
        Assert.Equal(2, list.Channels["presence-a"].UserCount);
        Assert.True(list.Channels.ContainsKey("presence-b"));
        var listRequest = SingleRequest();
        Assert.Equal("GET", listRequest.Method);
        Assert.Empty(listRequest.Body);
        Assert.DoesNotContain(listRequest.Query, p => p.Key == "body_md5");
        Assert.Contains(KeyValuePair.Create("filter_by_prefix", "presence-"), listRequest.Query);
        Assert.Contains("info=user_count", listRequest.RawQuery);
        _api.Requests.Clear();

        var info = await _client.GetChannelAsync("cache-a", "subscription_count,cache");
        Assert.Equal(new ChannelInfo(true, null, 3, new ChannelCache("{\"x\":1}", 60)), info);
        Assert.Contains("info=subscription_count,cache", SingleRequest().RawQuery);
        _api.Requests.Clear();

        var users = await _client.GetPresenceUsersAsync("presence-a");
        Assert.Equal([new PresenceUser("1"), new PresenceUser("Zoë")], users);
        Assert.Equal("/apps/123/channels/presence-a/users", SingleRequest().Path);
        _api.Requests.Clear();

        await _client.GetChannelsAsync();
        Assert.DoesNotContain(SingleRequest().Query, p => p.Key is "filter_by_prefix" or "info");
        _api.Requests.Clear();

        // Every character the channel charset allows survives the path unescaped, and the signature covers it as sent.
        await _client.GetChannelAsync("-azAZ9_=@,.;");
        Assert.Equal("/apps/123/channels/-azAZ9_=@,.;", SingleRequest().Path);
    }

    // '#' used to end the path: the name and the whole signed query went into the URL fragment, so the request left
    // unsigned for "/apps/123/channels/". Each character a channel name may hold, in a segment of its own.
    [Theory]
    [InlineData("#server-to-user-1", "%23server-to-user-1")]
    [InlineData("a@b", "a@b")]
    [InlineData("a,b", "a,b")]
    [InlineData("a;b", "a;b")]
    [InlineData("a=b", "a=b")]
    [InlineData("a.b", "a.b")]
    [InlineData("a-b_c", "a-b_c")]
    [InlineData("#server-to-user-x=@,;.", "%23server-to-user-x=@,;.")]
    public async Task Every_path_segment_is_escaped_and_signed_as_sent(string channel, string segment)
    {
        await _client.GetChannelAsync(channel, "subscription_count");
        var request = SingleRequest(); // the signature verifies over the path exactly as it arrived
        Assert.Equal("/apps/123/channels/" + segment, request.Path);
        Assert.Contains("info=subscription_count", request.RawQuery);
        Assert.Contains(request.Query, p => p.Key == "auth_signature");
    }

    [Theory]
    [InlineData("#", "%23")]
    [InlineData("?", "%3F")]
    [InlineData("/", "%2F")]
    [InlineData("%", "%25")]
    [InlineData(" ", "%20")]
    [InlineData("é", "%C3%A9")]
    [InlineData("😀", "%F0%9F%98%80")]
    [InlineData("@,;=:!$&'()*+~", "@,;=:!$&'()*+~")]
    public void A_path_segment_escapes_what_would_end_or_split_it(string value, string expected) =>
        Assert.Equal(expected, ChannelsClient.PathSegment(value));

    [Fact]
    public async Task Encrypted_trigger_without_a_master_key_is_refused()
    {
        var options = OptionsFor(_api.Port);
        options.EncryptionMasterKeyBase64 = null;
        var client = new ChannelsClient(_http, Options.Create(options), _time);
        var e = await Assert.ThrowsAsync<ChannelsValidationException>(() => client.TriggerAsync("private-encrypted-x", "e", "d"));
        Assert.Equal("EncryptionMasterKeyBase64", e.Field);
        await Assert.ThrowsAsync<ChannelsValidationException>(() => client.TriggerBatchAsync([new BatchEvent("private-encrypted-x", "e", "d")]));
        Assert.Empty(_api.Requests);
    }

    [Fact]
    public async Task Terminate_and_send_to_user()
    {
        await _client.TerminateUserConnectionsAsync("user-42");
        var terminate = SingleRequest();
        Assert.Equal(("POST", "/apps/123/users/user-42/terminate_connections", "{}"), (terminate.Method, terminate.Path, Text(terminate)));
        _api.Requests.Clear();

        await _client.SendToUserAsync("user-42", "notice", "{\"m\":1}");
        var send = SingleRequest();
        Assert.Equal("/apps/123/events", send.Path);
        Assert.Equal("{\"name\":\"notice\",\"data\":\"{\\\"m\\\":1}\",\"channels\":[\"#server-to-user-user-42\"]}", Text(send));
    }

    [Fact]
    [Trait("Needs", "Node")]
    public async Task Query_strings_on_the_wire_match_the_npm_library()
    {
        await _client.TriggerAsync(["a", "private-b"], "e", "{\"t\":\"Zoë <王> & 😀\"}", "1.2", "subscription_count");
        await _client.TriggerBatchAsync([new BatchEvent("a", "e", "d")]);
        await _client.GetChannelsAsync("presence-", "user_count");
        await _client.GetChannelAsync("presence-a", "user_count,subscription_count");
        await _client.GetPresenceUsersAsync("presence-a");
        await _client.TerminateUserConnectionsAsync("u1");
        await _client.SendToUserAsync("u1", "e", "d");
        var requests = _api.Requests.ToList();

        var input = new JsonArray();
        foreach (var r in requests)
        {
            var extra = new JsonObject();
            foreach (var (k, v) in r.Query.Where(p => !p.Key.StartsWith("auth_", StringComparison.Ordinal) && p.Key != "body_md5")) extra[k] = v;
            input.Add(new JsonObject
            {
                ["key"] = "app-key", ["secret"] = Secret, ["method"] = r.Method, ["path"] = r.Path,
                ["params"] = extra, ["body"] = Encoding.UTF8.GetString(r.Body), ["timestamp"] = Now.ToUnixTimeSeconds(),
            });
        }
        var npm = (await NodeOracle.RunAsync(new JsonObject { ["query"] = input }))["query"]!.AsArray();

        Assert.Equal(7, requests.Count);
        for (var i = 0; i < requests.Count; i++)
        {
            // What the server decoded from the URL, in wire order, is what the npm library would have built unescaped.
            var received = string.Join("&", requests[i].Query.Select(p => p.Key + "=" + p.Value));
            Assert.Equal(npm[i]!.GetValue<string>(), received);
        }
    }

    [Theory]
    [InlineData(400, typeof(ChannelsBadRequestException))]
    [InlineData(401, typeof(ChannelsAuthenticationException))]
    [InlineData(403, typeof(ChannelsForbiddenException))]
    [InlineData(413, typeof(ChannelsPayloadTooLargeException))]
    [InlineData(500, typeof(ChannelsServerErrorException))]
    [InlineData(502, typeof(ChannelsServerErrorException))]
    [InlineData(503, typeof(ChannelsServerErrorException))]
    [InlineData(404, typeof(ChannelsApiException))]
    [InlineData(429, typeof(ChannelsApiException))]
    public async Task Error_statuses_become_typed_exceptions_with_the_plain_text_body(int status, Type expected)
    {
        Answer(status, "Invalid signature: you should have sent HmacSHA256Hex(\"POST\\n/apps/123/events\\n...\", your_secret_key), but you sent \"abc\"");
        var e = await Assert.ThrowsAnyAsync<ChannelsApiException>(() => _client.TriggerAsync("a", "e", "d"));

        Assert.IsType(expected, e);
        Assert.Equal((HttpStatusCode)status, e.StatusCode);
        Assert.StartsWith("Invalid signature: you should have sent", e.Body);
        Assert.Contains(status.ToString(), e.Message);
        Assert.Contains("POST /apps/123/events", e.Message);
        Assert.Contains("Invalid signature", e.Message);
    }

    [Fact]
    public async Task A_body_echoing_the_secret_is_redacted()
    {
        Answer(401, $"bad key/secret pair app-key/{Secret}");
        var e = await Assert.ThrowsAsync<ChannelsAuthenticationException>(() => _client.GetChannelsAsync());
        Assert.DoesNotContain(Secret, e.Message);
        Assert.DoesNotContain(Secret, e.Body);
        Assert.DoesNotContain(Secret, e.ToString());
        Assert.Contains("[redacted]", e.Body);
    }

    [Fact]
    public async Task A_success_that_is_not_json_is_an_api_error()
    {
        Answer(200, "<html>proxy</html>");
        var e = await Assert.ThrowsAsync<ChannelsApiException>(() => _client.GetChannelAsync("a"));
        Assert.Equal(HttpStatusCode.OK, e.StatusCode);
        Assert.Equal("<html>proxy</html>", e.Body);
    }

    [Fact]
    public async Task No_answer_within_the_timeout_is_unreachable()
    {
        var arrived = _api.NeverAnswer();
        var call = _client.TriggerAsync("a", "e", "d");
        await arrived.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(call.IsCompleted);

        _time.Advance(TimeSpan.FromSeconds(5));
        var e = await Assert.ThrowsAsync<ChannelsUnreachableException>(() => call);
        Assert.Contains("within 5 s", e.Message);
        Assert.DoesNotContain(Secret, e.ToString());
    }

    [Fact]
    public async Task Caller_cancellation_is_not_reported_as_unreachable()
    {
        var arrived = _api.NeverAnswer();
        using var cts = new CancellationTokenSource();
        var call = _client.GetChannelsAsync(cancellationToken: cts.Token);
        await arrived.WaitAsync(TimeSpan.FromSeconds(30));

        await cts.CancelAsync();
        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.IsNotType<ChannelsUnreachableException>(e);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _client.TriggerAsync("a", "e", "d", cancellationToken: cts.Token));
    }

    [Fact]
    public async Task A_closed_port_is_unreachable()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        using var http = new HttpClient();
        var client = new ChannelsClient(http, Options.Create(OptionsFor(port)), _time);
        var e = await Assert.ThrowsAsync<ChannelsUnreachableException>(() => client.TriggerAsync("a", "e", "d"));
        Assert.IsType<HttpRequestException>(e.InnerException);
        Assert.DoesNotContain(Secret, e.ToString());
    }

    [Fact]
    public async Task Invalid_options_fail_on_use_without_showing_the_secret()
    {
        var options = OptionsFor(_api.Port);
        options.AppId = "";
        options.EncryptionMasterKeyBase64 = Secret;
        var client = new ChannelsClient(_http, Options.Create(options), _time);
        var e = await Assert.ThrowsAsync<ChannelsValidationException>(() => client.TriggerAsync("a", "e", "d"));
        Assert.Contains("AppId", e.Message);
        Assert.DoesNotContain(Secret, e.Message);
        Assert.Empty(_api.Requests);
    }

    [Fact]
    public async Task AddChannelsClient_registers_a_working_typed_client()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddChannelsClient(o =>
        {
            o.AppId = "123";
            o.Key = "app-key";
            o.Secret = Secret;
            o.Host = "127.0.0.1";
            o.Port = _api.Port;
            o.Scheme = "http";
            o.Timeout = TimeSpan.FromSeconds(3);
        });
        await using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<ChannelsClient>().TriggerAsync("a", "e", "d");
        SingleRequest();

        var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(ChannelsClient));
        Assert.InRange(http.Timeout, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5));
        Assert.Equal("app-key:", provider.GetRequiredService<SubscriptionSigner>().AuthorizeChannel("1.1", "private-a").Auth[..8]);
        Assert.NotNull(provider.GetRequiredService<WebhookVerifier>());
        Assert.Same(_time, provider.GetRequiredService<TimeProvider>());
    }

    [Fact]
    public async Task AddChannelsClient_refuses_invalid_options()
    {
        var services = new ServiceCollection();
        services.AddChannelsClient(o => o.Key = "k");
        await using var provider = services.BuildServiceProvider();
        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ChannelsOptions>>().Value);
        Assert.Contains(e.Failures, f => f.Contains("AppId"));
    }
}
