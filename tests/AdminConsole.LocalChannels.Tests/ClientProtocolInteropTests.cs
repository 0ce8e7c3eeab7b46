using System.Text.Json;
using System.Text.RegularExpressions;
using AdminConsole.LocalChannels.Tests.Infrastructure;

namespace AdminConsole.LocalChannels.Tests;

/// <summary>pusher-js 8.6.0 in node is the judge of the WebSocket protocol: one script per scenario group.</summary>
[Trait("Needs", "Node")]
public sealed partial class ClientProtocolInteropTests
{
    [GeneratedRegex(@"^\d+\.\d+$")]
    private static partial Regex SocketIdPattern();

    private static IEnumerable<(string Event, string Data, string? UserId)> Events(JsonElement list) =>
        list.EnumerateArray().Select(e => (e.GetProperty("event").GetString()!, e.GetProperty("data").ToString(),
            e.GetProperty("user_id").ValueKind == JsonValueKind.Null ? null : e.GetProperty("user_id").GetString()));

    private static async Task<JsonElement> RunAsync(ServerUnderTest s, string script)
    {
        var env = s.NodeEnv();
        env["LC_MASTER_KEY"] = Convert.ToBase64String(PeerHost.MasterKey);
        var result = await Interop.RunAsync(script, env);
        // Kept in the test output so a failing assertion can be read against what the client saw.
        Console.WriteLine($"{script}: {result}");
        return result;
    }

    [Fact]
    public async Task Pusher_js_connects_subscribes_to_every_kind_and_receives_events()
    {
        await using var s = await ServerUnderTest.StartAsync();
        var r = await RunAsync(s, "pubsub.mjs");

        Assert.Matches(SocketIdPattern(), r.GetProperty("socketA").GetString());
        Assert.NotEqual(r.GetProperty("socketA").GetString(), r.GetProperty("socketB").GetString());
        Assert.All(r.GetProperty("subscribed").EnumerateObject(), p => Assert.True(p.Value.GetBoolean(), p.Name));

        var tampered = r.GetProperty("tampered");
        Assert.Equal("AuthError", tampered.GetProperty("type").GetString());
        Assert.Equal(401, tampered.GetProperty("status").GetInt32());
        // Refused by our auth endpoint: pusher-js reports it without ever subscribing.
        Assert.Equal(403, r.GetProperty("forbidden").GetProperty("status").GetInt32());

        var presence = r.GetProperty("presence");
        Assert.Equal(1, presence.GetProperty("countAtSubscribe").GetInt32());
        Assert.Equal(2, presence.GetProperty("countSeenByB").GetInt32());
        Assert.Equal("alice", presence.GetProperty("me").GetProperty("id").GetString());
        Assert.Equal("Alice", presence.GetProperty("me").GetProperty("info").GetProperty("name").GetString());

        var pub = Events(r.GetProperty("eventsPub")).ToList();
        Assert.Contains(pub, e => e.Event == "headline" && e.Data.Contains("\"title\":\"hello\""));
        Assert.DoesNotContain(pub, e => e.Event == "skipped");
        Assert.Contains(pub, e => e.Event == "after");
        var pubB = Events(r.GetProperty("eventsPubB")).ToList();
        Assert.Contains(pubB, e => e.Event == "skipped");
        Assert.Contains(Events(r.GetProperty("eventsPriv")), e => e.Event == "order" && e.Data.Contains("\"id\":7"));
        Assert.Contains(Events(r.GetProperty("eventsPres")), e => e.Event == "announce" && e.Data == "text only");
        // Encrypted with the npm library's master key, decrypted by pusher-js with the shared secret our endpoint handed out.
        Assert.Contains(Events(r.GetProperty("eventsEnc")), e => e.Event == "secret" && e.Data.Contains("ąß€"));

        Assert.Equal(1, r.GetProperty("subscriptionCountAfterUnsubscribe").GetInt32());
        await s.Peer.WaitForWebhookAsync(e => e.Name == "channel_occupied" && e.Channel == "private-encrypted-secrets", "occupied encrypted");
        await s.Peer.WaitForWebhookAsync(e => e.Name == "subscription_count" && e.Channel == "public-news" && e.SubscriptionCount == 1, "subscription_count 1");
        await s.Peer.WaitForWebhookAsync(e => e.Name == "channel_vacated" && e.Channel == "presence-lobby", "vacated presence-lobby");
    }

    [Fact]
    public async Task Client_events_are_relayed_to_others_only_and_rate_limited()
    {
        await using var s = await ServerUnderTest.StartAsync(o => o.ClientEventsEnabled = true);
        var r = await RunAsync(s, "client-events.mjs");

        Assert.Contains(Events(r.GetProperty("seenB")), e => e.Event == "client-hello" && e.Data.Contains("alice"));
        Assert.Contains(Events(r.GetProperty("seenA")), e => e.Event == "client-ack");
        Assert.DoesNotContain(Events(r.GetProperty("seenA")), e => e.Event == "client-hello");
        Assert.Contains(Events(r.GetProperty("seenPresB")), e => e.Event == "client-wave" && e.UserId == "alice");

        var errorsA = r.GetProperty("errorsA").EnumerateArray().ToList();
        Assert.Equal(2, errorsA.Count);
        Assert.All(errorsA, e => Assert.Equal("PusherError", e.GetProperty("type").GetString()));

        Assert.Equal(10, r.GetProperty("burstDelivered").GetInt32());
        Assert.Contains(r.GetProperty("errorsBurst").EnumerateArray(), e => e.GetProperty("code").GetInt32() == 4301);
        Assert.Equal("connected", r.GetProperty("stillConnected").GetString());

        var socketA = r.GetProperty("socketA").GetString();
        await s.Peer.WaitForWebhookAsync(e => e.Name == "client_event" && e.Event == "client-hello" && e.SocketId == socketA
            && e.Channel == "private-chat" && e.Data == "{\"from\":\"alice\"}" && e.UserId is null, "client_event client-hello");
        await s.Peer.WaitForWebhookAsync(e => e.Name == "client_event" && e.Event == "client-wave" && e.UserId == "alice", "client_event with user_id");
    }

    [Fact]
    public async Task Cache_channels_report_misses_and_replay_the_last_event()
    {
        await using var s = await ServerUnderTest.StartAsync();
        var r = await RunAsync(s, "cache.mjs");

        Assert.Single(r.GetProperty("missA").EnumerateArray());
        Assert.Empty(r.GetProperty("missB").EnumerateArray());
        Assert.Single(r.GetProperty("missPriv").EnumerateArray());
        var replayed = Events(r.GetProperty("seenB")).Single();
        Assert.Equal("score", replayed.Event);
        Assert.Contains("\"home\":2", replayed.Data);
        var cache = r.GetProperty("info").GetProperty("cache");
        Assert.Contains("\"away\":1", cache.GetProperty("data").GetString());
        Assert.InRange(cache.GetProperty("ttl").GetInt32(), 1, 1800);

        await s.Peer.WaitForWebhookAsync(e => e.Name == "cache_miss" && e.Channel == "private-cache-empty", "cache_miss private");
        await s.Peer.WaitForWebhookAsync(e => e.Name == "cache_miss" && e.Channel == "cache-scores", "cache_miss scores");
        Assert.Single(s.Peer.WebhookEvents, e => e.Name == "cache_miss" && e.Channel == "cache-scores");
    }

    [Fact]
    public async Task Sign_in_send_to_user_terminate_and_presence_deduplication()
    {
        await using var s = await ServerUnderTest.StartAsync();
        var r = await RunAsync(s, "users.mjs");

        Assert.Contains("for carol only", r.GetProperty("notices")[0].ToString());
        Assert.Equal(200, r.GetProperty("terminatedStatus").GetInt32());
        Assert.Contains(r.GetProperty("errorsCarol").EnumerateArray(), e => e.GetProperty("code").GetInt32() == 4009);

        Assert.Equal(["dave"], r.GetProperty("addedAfterBoth").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty(r.GetProperty("removedAfterOne").EnumerateArray());
        Assert.Equal(["dave"], r.GetProperty("removed").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(2, r.GetProperty("countSeenByD1").GetInt32());
        Assert.Equal(2, r.GetProperty("countSeenByD2").GetInt32());
        Assert.Equal(2, r.GetProperty("stateAfterOneLeft").GetProperty("user_count").GetInt32());

        await s.Peer.WaitForWebhookAsync(e => e.Name == "member_removed" && e.UserId == "dave", "member_removed dave");
        Assert.Single(s.Peer.WebhookEvents, e => e.Name == "member_added" && e.UserId == "dave");
        Assert.Single(s.Peer.WebhookEvents, e => e.Name == "member_removed" && e.UserId == "dave");
    }

    [Fact]
    public async Task Unknown_app_key_is_closed_with_4001()
    {
        await using var s = await ServerUnderTest.StartAsync();
        var r = await RunAsync(s, "close-codes.mjs");
        Assert.Contains(r.GetProperty("errors").EnumerateArray(), e => e.GetProperty("code").ValueKind == JsonValueKind.Number && e.GetProperty("code").GetInt32() == 4001);
        Assert.DoesNotContain("connected", r.GetProperty("states").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Watchlists_report_users_online_once_and_offline_after_their_last_connection()
    {
        await using var s = await ServerUnderTest.StartAsync();
        var r = await RunAsync(s, "watchlist.mjs");

        string Describe(JsonElement e) => e.GetProperty("name").GetString() + ":" + string.Join(",", e.GetProperty("user_ids").EnumerateArray().Select(u => u.GetString()));
        Assert.Equal(["online:wendy", "offline:wendy"], r.GetProperty("seenByWatcher").EnumerateArray().Select(Describe));
        Assert.Equal(["online:wendy", "offline:wendy"], r.GetProperty("seenByLate").EnumerateArray().Select(Describe));
        // wendy's second connection leaving while the first stays is no news to watchers.
        Assert.Equal(1, r.GetProperty("afterOneLeft").GetInt32());
    }
}
