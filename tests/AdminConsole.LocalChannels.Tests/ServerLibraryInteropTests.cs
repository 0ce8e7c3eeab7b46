using System.Text.Json;
using System.Text.Json.Nodes;
using AdminConsole.Channels;
using AdminConsole.LocalChannels.Tests.Infrastructure;

namespace AdminConsole.LocalChannels.Tests;

/// <summary>The official npm <c>pusher</c> 5.3.4 library is the judge of the HTTP API and of the webhooks.</summary>
[Trait("Needs", "Node")]
public sealed class ServerLibraryInteropTests
{
    private static readonly SubscriptionSigner Signer = new(ServerUnderTest.Key, ServerUnderTest.Secret);

    private static async Task<RawClient> SubscribedAsync(ServerUnderTest s, string channel, string? userId = null)
    {
        var c = await RawClient.ConnectEstablishedAsync(s.Port, ServerUnderTest.Key);
        if (userId is null)
        {
            await c.SendAsync(new { @event = "pusher:subscribe", data = new { channel, auth = "" } });
        }
        else
        {
            var auth = Signer.AuthorizePresence(c.SocketId, channel, userId, new JsonObject { ["name"] = userId });
            await c.SendAsync(new { @event = "pusher:subscribe", data = new { channel, auth = auth.Auth, channel_data = auth.ChannelData } });
        }
        await c.ExpectAsync("pusher_internal:subscription_succeeded", channel);
        return c;
    }

    [Fact]
    public async Task Npm_pusher_triggers_queries_and_is_refused_with_a_wrong_secret()
    {
        await using var s = await ServerUnderTest.StartAsync();
        await using var news = await SubscribedAsync(s, "news");
        await using var alice = await SubscribedAsync(s, "presence-room", "alice");
        await using var bob = await SubscribedAsync(s, "presence-room", "bob");
        await using var bob2 = await SubscribedAsync(s, "presence-room", "bob");

        var r = await Interop.RunAsync("server-api.mjs", s.NodeEnv());

        Assert.Equal(200, r.GetProperty("trigger").GetProperty("status").GetInt32());
        var greeting = await news.ExpectAsync("greeting", "news");
        Assert.Equal("{\"hello\":\"world\"}", greeting.GetProperty("data").GetString());

        var info = r.GetProperty("triggerInfo");
        Assert.Equal(200, info.GetProperty("status").GetInt32());
        var room = info.GetProperty("body").GetProperty("channels").GetProperty("presence-room");
        Assert.Equal(2, room.GetProperty("user_count").GetInt32());
        Assert.Equal(3, room.GetProperty("subscription_count").GetInt32());

        Assert.Equal(200, r.GetProperty("triggerMany").GetProperty("status").GetInt32());
        // The npm library sends string data as is (no second encoding).
        Assert.Equal("plain text", (await news.ExpectAsync("fanned", "news")).GetProperty("data").GetString());
        Assert.Equal(200, r.GetProperty("batch").GetProperty("status").GetInt32());
        Assert.Equal("{\"i\":1}", (await news.ExpectAsync("batched-1", "news")).GetProperty("data").GetString());
        await alice.ExpectAsync("counted", "presence-room");
        await alice.ExpectAsync("fanned", "presence-room");
        Assert.Equal("{\"i\":2}", (await alice.ExpectAsync("batched-2", "presence-room")).GetProperty("data").GetString());

        var all = r.GetProperty("channels").GetProperty("body").GetProperty("channels");
        Assert.Equal(["news", "presence-room"], all.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal));
        var presence = r.GetProperty("presenceChannels").GetProperty("body").GetProperty("channels");
        Assert.Equal(2, presence.GetProperty("presence-room").GetProperty("user_count").GetInt32());
        Assert.False(presence.TryGetProperty("news", out _));
        Assert.Equal(400, r.GetProperty("userCountWithoutPrefix").GetProperty("status").GetInt32());

        var channelInfo = r.GetProperty("channelInfo").GetProperty("body");
        Assert.True(channelInfo.GetProperty("occupied").GetBoolean());
        Assert.Equal(1, channelInfo.GetProperty("subscription_count").GetInt32());
        Assert.Equal(2, r.GetProperty("presenceInfo").GetProperty("body").GetProperty("user_count").GetInt32());
        Assert.False(r.GetProperty("emptyChannel").GetProperty("body").GetProperty("occupied").GetBoolean());

        var users = r.GetProperty("users").GetProperty("body").GetProperty("users").EnumerateArray().Select(u => u.GetProperty("id").GetString());
        Assert.Equal(["alice", "bob"], users.Order(StringComparer.Ordinal));
        Assert.Equal(400, r.GetProperty("usersOfPublic").GetProperty("status").GetInt32());

        var refused = r.GetProperty("wrongSecretTrigger");
        Assert.Equal(401, refused.GetProperty("status").GetInt32());
        Assert.StartsWith("Invalid signature", refused.GetProperty("error").GetString());
        Assert.DoesNotContain(ServerUnderTest.Secret, refused.GetProperty("error").GetString());
        Assert.Equal(401, r.GetProperty("wrongSecretGet").GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Npm_pusher_validates_the_webhooks_the_server_delivers()
    {
        await using var s = await ServerUnderTest.StartAsync();
        await using (var alice = await SubscribedAsync(s, "presence-hooks", "alice"))
        {
            await s.Peer.WaitForWebhookAsync(e => e.Name == "member_added" && e.UserId == "alice", "member_added alice");
        }
        await s.Peer.WaitForWebhookAsync(e => e.Name == "channel_vacated" && e.Channel == "presence-hooks", "channel_vacated");

        var captured = s.Peer.Webhooks;
        var file = Path.Combine(Path.GetTempPath(), $"lc-webhooks-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(captured.Select(w => new { key = w.Key, signature = w.Signature, contentType = w.ContentType, body = w.BodyText })));
        try
        {
            var env = s.NodeEnv();
            env["LC_WEBHOOKS_FILE"] = file;
            var results = (await Interop.RunAsync("webhook-verify.mjs", env)).EnumerateArray().ToList();

            Assert.Equal(captured.Count, results.Count);
            Assert.All(results, r =>
            {
                Assert.True(r.GetProperty("valid").GetBoolean());
                Assert.False(r.GetProperty("tampered").GetBoolean());
                Assert.False(r.GetProperty("wrongKey").GetBoolean());
                Assert.InRange(r.GetProperty("time").GetInt64(), DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            });
            var names = results.SelectMany(r => r.GetProperty("events").EnumerateArray()).Select(e => e.GetProperty("name").GetString()).ToList();
            Assert.Contains("channel_occupied", names);
            Assert.Contains("member_added", names);
            Assert.Contains("member_removed", names);
            Assert.Contains("channel_vacated", names);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
