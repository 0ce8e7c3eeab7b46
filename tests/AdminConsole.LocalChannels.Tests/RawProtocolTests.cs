using System.Net.WebSockets;
using System.Text.Json;
using AdminConsole.Channels;
using AdminConsole.LocalChannels.Tests.Infrastructure;

namespace AdminConsole.LocalChannels.Tests;

/// <summary>Protocol details pusher-js cannot provoke (it always sends protocol=7 and answers pings), checked with a bare socket.</summary>
public sealed class RawProtocolTests
{
    private static JsonElement Data(JsonElement message) => JsonDocument.Parse(message.GetProperty("data").GetString()!).RootElement;

    [Theory]
    [InlineData("?protocol=3", 4007)]
    [InlineData("?protocol=8", 4007)]
    [InlineData("?protocol=seven", 4006)]
    [InlineData("?client=raw", 4008)]
    public async Task Handshake_with_a_bad_protocol_version_is_closed_with_its_code(string query, int code)
    {
        await using var s = await ServerUnderTest.StartAsync();
        await using var c = await RawClient.ConnectAsync(s.Port, ServerUnderTest.Key, query);
        var message = await c.ReceiveAsync();
        Assert.Equal(code, message.GetProperty("close").GetInt32());
    }

    [Fact]
    public async Task Client_events_are_refused_unless_the_operator_turns_them_on()
    {
        await using var s = await ServerUnderTest.StartAsync();
        var signer = new SubscriptionSigner(ServerUnderTest.Key, ServerUnderTest.Secret);
        await using var sender = await RawClient.ConnectEstablishedAsync(s.Port, ServerUnderTest.Key);
        await using var other = await RawClient.ConnectEstablishedAsync(s.Port, ServerUnderTest.Key);
        foreach (var c in new[] { sender, other })
        {
            await c.SendAsync(new { @event = "pusher:subscribe", data = new { channel = "private-class-1", auth = signer.AuthorizeChannel(c.SocketId, "private-class-1").Auth } });
            await c.ExpectAsync("pusher_internal:subscription_succeeded", "private-class-1");
        }

        await sender.SendAsync(new { @event = "client-URGENT", channel = "private-class-1", data = new { text = "exam moved to 7am" } });
        var error = await sender.ExpectAsync("pusher:error");
        Assert.Contains("enable this feature", error.GetProperty("data").GetString());
        // Nothing reached the class: up to the answer to its own ping, the other member got no client event.
        await other.SendAsync(new { @event = "pusher:ping", data = new { } });
        string? name;
        do
        {
            name = (await other.ReceiveAsync()).GetProperty("event").GetString();
            Assert.NotEqual("client-URGENT", name);
        } while (name != "pusher:pong");
    }

    [Fact]
    public async Task Connection_established_carries_socket_id_and_activity_timeout_and_ping_gets_pong()
    {
        await using var s = await ServerUnderTest.StartAsync();
        await using var c = await RawClient.ConnectAsync(s.Port, ServerUnderTest.Key);
        var established = await c.ReceiveAsync();
        Assert.Equal("pusher:connection_established", established.GetProperty("event").GetString());
        Assert.Equal(JsonValueKind.String, established.GetProperty("data").ValueKind);
        Assert.Equal(120, Data(established).GetProperty("activity_timeout").GetInt32());
        Assert.True(SocketId.IsValid(Data(established).GetProperty("socket_id").GetString()));

        await c.SendAsync(new { @event = "pusher:ping", data = new { } });
        Assert.Equal("pusher:pong", (await c.ReceiveAsync()).GetProperty("event").GetString());
    }

    [Fact]
    public async Task Silent_client_is_pinged_then_closed_with_4201()
    {
        await using var s = await ServerUnderTest.StartAsync(o =>
        {
            o.ActivityTimeout = TimeSpan.FromSeconds(1);
            o.PongTimeout = TimeSpan.FromMilliseconds(500);
        });
        await using var c = await RawClient.ConnectEstablishedAsync(s.Port, ServerUnderTest.Key);
        Assert.Equal("pusher:ping", (await c.ReceiveAsync()).GetProperty("event").GetString());
        Assert.Equal(4201, (await c.ReceiveAsync()).GetProperty("close").GetInt32());
    }

    [Fact]
    public async Task Client_answering_pings_stays_connected()
    {
        await using var s = await ServerUnderTest.StartAsync(o =>
        {
            o.ActivityTimeout = TimeSpan.FromSeconds(1);
            // Generous: under CPU load a prompt answer may still take a few hundred milliseconds.
            o.PongTimeout = TimeSpan.FromSeconds(3);
        });
        await using var c = await RawClient.ConnectEstablishedAsync(s.Port, ServerUnderTest.Key);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal("pusher:ping", (await c.ReceiveAsync()).GetProperty("event").GetString());
            await c.SendAsync(new { @event = "pusher:pong", data = new { } });
        }
        Assert.Equal(WebSocketState.Open, c.Socket.State);
        Assert.Equal(1, s.Server.Connections.Count);
    }

    [Fact]
    public async Task Subscription_checks_refuse_bad_auth_missing_channel_data_and_foreign_user_channels()
    {
        await using var s = await ServerUnderTest.StartAsync();
        await using var c = await RawClient.ConnectEstablishedAsync(s.Port, ServerUnderTest.Key);
        var signer = new SubscriptionSigner(ServerUnderTest.Key, "another-secret");

        await c.SendAsync(new { @event = "pusher:subscribe", data = new { channel = "private-x", auth = signer.AuthorizeChannel(c.SocketId, "private-x").Auth } });
        var error = await c.ExpectAsync("pusher:subscription_error", "private-x");
        Assert.Equal(401, Data(error).GetProperty("status").GetInt32());
        Assert.DoesNotContain(ServerUnderTest.Secret, error.ToString());

        var good = new SubscriptionSigner(ServerUnderTest.Key, ServerUnderTest.Secret);
        await c.SendAsync(new { @event = "pusher:subscribe", data = new { channel = "presence-x", auth = good.AuthorizeChannel(c.SocketId, "presence-x").Auth } });
        Assert.Equal(401, Data(await c.ExpectAsync("pusher:subscription_error", "presence-x")).GetProperty("status").GetInt32());

        await c.SendAsync(new { @event = "pusher:subscribe", data = new { channel = "#server-to-user-zoe", auth = "" } });
        Assert.Equal(403, Data(await c.ExpectAsync("pusher:subscription_error", "#server-to-user-zoe")).GetProperty("status").GetInt32());

        await c.SendAsync(new { @event = "pusher:subscribe", data = new { channel = "bad:name", auth = "" } });
        Assert.Equal(400, Data(await c.ExpectAsync("pusher:subscription_error", "bad:name")).GetProperty("status").GetInt32());

        // Numeric user ids in channel_data are accepted, as Pusher accepts what the auth endpoint signed.
        var channelData = "{\"user_id\":10,\"user_info\":{\"name\":\"Mr. Pusher\"}}";
        await c.SendAsync(new { @event = "pusher:subscribe", data = new { channel = "presence-y", auth = good.AuthorizeChannel(c.SocketId, "presence-y", channelData).Auth, channel_data = channelData } });
        var ok = Data(await c.ExpectAsync("pusher_internal:subscription_succeeded", "presence-y"));
        Assert.Equal("Mr. Pusher", ok.GetProperty("presence").GetProperty("hash").GetProperty("10").GetProperty("name").GetString());
        Assert.Equal(1, ok.GetProperty("presence").GetProperty("count").GetInt32());
        Assert.DoesNotContain(s.Server.Channels.Occupied(), ch => ch.Name != "presence-y");
    }

    [Fact]
    public async Task Presence_channel_refuses_the_member_over_the_limit()
    {
        await using var s = await ServerUnderTest.StartAsync(o => o.MaxPresenceMembers = 1);
        var signer = new SubscriptionSigner(ServerUnderTest.Key, ServerUnderTest.Secret);
        await using var a = await RawClient.ConnectEstablishedAsync(s.Port, ServerUnderTest.Key);
        await using var b = await RawClient.ConnectEstablishedAsync(s.Port, ServerUnderTest.Key);
        var authA = signer.AuthorizePresence(a.SocketId, "presence-full", "a");
        await a.SendAsync(new { @event = "pusher:subscribe", data = new { channel = "presence-full", auth = authA.Auth, channel_data = authA.ChannelData } });
        await a.ExpectAsync("pusher_internal:subscription_succeeded", "presence-full");
        var authB = signer.AuthorizePresence(b.SocketId, "presence-full", "b");
        await b.SendAsync(new { @event = "pusher:subscribe", data = new { channel = "presence-full", auth = authB.Auth, channel_data = authB.ChannelData } });
        Assert.Equal("LimitReached", Data(await b.ExpectAsync("pusher:subscription_error", "presence-full")).GetProperty("type").GetString());
        Assert.Equal(["a"], s.Server.Channels.PresenceUserIds("presence-full"));
    }

    [Fact]
    public async Task Sign_in_with_a_wrong_signature_is_refused_with_4009()
    {
        await using var s = await ServerUnderTest.StartAsync();
        await using var c = await RawClient.ConnectEstablishedAsync(s.Port, ServerUnderTest.Key);
        var forged = new SubscriptionSigner(ServerUnderTest.Key, "not-the-secret").AuthenticateUser(c.SocketId, "eve");
        await c.SendAsync(new { @event = "pusher:signin", data = new { auth = forged.Auth, user_data = forged.UserData } });
        var error = await c.ExpectAsync("pusher:error");
        Assert.Equal(4009, Data(error).GetProperty("code").GetInt32());
        Assert.Empty(s.Server.Connections.OfUser("eve"));
    }
}
