using AdminConsole.Channels;
using AdminConsole.LocalChannels.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace AdminConsole.LocalChannels.Tests;

public sealed class WebhookDeliveryTests
{
    private static readonly SubscriptionSigner Signer = new(ServerUnderTest.Key, ServerUnderTest.Secret);

    private static async Task SubscribeAsync(RawClient c, string channel, string? userId = null)
    {
        if (userId is null)
        {
            await c.SendAsync(new { @event = "pusher:subscribe", data = new { channel, auth = "" } });
        }
        else
        {
            var auth = Signer.AuthorizePresence(c.SocketId, channel, userId);
            await c.SendAsync(new { @event = "pusher:subscribe", data = new { channel, auth = auth.Auth, channel_data = auth.ChannelData } });
        }
        await c.ExpectAsync("pusher_internal:subscription_succeeded", channel);
    }

    [Fact]
    public async Task Failed_deliveries_are_retried_with_the_same_signed_body()
    {
        await using var s = await ServerUnderTest.StartAsync();
        s.Peer.FailNextWebhooks(2);
        await using var c = await RawClient.ConnectEstablishedAsync(s.Port, ServerUnderTest.Key);
        await c.SendAsync(new { @event = "pusher:subscribe", data = new { channel = "retried", auth = "" } });

        await s.Peer.WaitForWebhookAsync(e => e.Name == "channel_occupied" && e.Channel == "retried", "occupied after retries");
        Assert.True(s.Peer.WebhookRequests >= 3);
        var verifier = new WebhookVerifier(ServerUnderTest.Key, ServerUnderTest.Secret);
        Assert.All(s.Peer.Webhooks, w =>
        {
            Assert.Equal("application/json", w.ContentType);
            Assert.True(verifier.Verify(w.Key, w.Signature, w.Body).IsValid);
        });
    }

    [Fact]
    public async Task Vacated_and_member_removed_wait_out_the_delay_and_are_cancelled_by_a_quick_return()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var start = time.GetUtcNow();
        await using var s = await ServerUnderTest.StartAsync(o => o.Webhooks.VacatedDelay = TimeSpan.FromSeconds(3), time);
        var hooks = s.Server.Webhooks;

        var first = await RawClient.ConnectEstablishedAsync(s.Port, ServerUnderTest.Key);
        await SubscribeAsync(first, "presence-class", "ann");
        await s.Peer.WaitForWebhookAsync(e => e.Name == "member_added", "member_added ann");

        // Ann reloads the page: her only connection drops and a new one joins within the delay.
        await first.DisposeAsync();
        await Eventually.UntilAsync(() => hooks.PendingDelayed == 2, TimeSpan.FromSeconds(10), "vacated and member_removed pending");
        time.Advance(TimeSpan.FromSeconds(2));
        await using var second = await RawClient.ConnectEstablishedAsync(s.Port, ServerUnderTest.Key);
        await SubscribeAsync(second, "presence-class", "ann");
        Assert.Equal(0, hooks.PendingDelayed);
        time.Advance(TimeSpan.FromSeconds(5));
        await Eventually.UntilAsync(() => hooks.Outstanding == 0, TimeSpan.FromSeconds(10), "deliveries done");
        Assert.Single(s.Peer.WebhookEvents, e => e.Name == "member_added");
        Assert.Single(s.Peer.WebhookEvents, e => e.Name == "channel_occupied");
        Assert.DoesNotContain(s.Peer.WebhookEvents, e => e.Name is "member_removed" or "channel_vacated");

        // Leaving for good: both events go out once the delay has passed, not before.
        await second.DisposeAsync();
        await Eventually.UntilAsync(() => hooks.PendingDelayed == 2, TimeSpan.FromSeconds(10), "pending again");
        time.Advance(TimeSpan.FromSeconds(2.9));
        Assert.Equal(2, hooks.PendingDelayed);
        time.Advance(TimeSpan.FromSeconds(0.2));
        await s.Peer.WaitForWebhookAsync(e => e.Name == "member_removed" && e.UserId == "ann", "member_removed ann");
        await s.Peer.WaitForWebhookAsync(e => e.Name == "channel_vacated" && e.Channel == "presence-class", "channel_vacated");
        Assert.All(s.Peer.Webhooks, w => Assert.InRange(w.Parsed.TimeMs, start.ToUnixTimeMilliseconds(), time.GetUtcNow().ToUnixTimeMilliseconds()));
        // time_ms comes from the server's clock: the delayed events carry the advanced fake time.
        Assert.True(s.Peer.Webhooks.Single(w => w.Parsed.Events.Any(e => e.Name == "channel_vacated")).Parsed.TimeMs >= (start + TimeSpan.FromSeconds(10)).ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task Batching_puts_events_of_one_burst_into_one_request()
    {
        await using var s = await ServerUnderTest.StartAsync(o =>
        {
            o.Webhooks.Batching = true;
            o.Webhooks.SubscriptionCount = false;
            o.Webhooks.BatchWindow = TimeSpan.FromSeconds(2);
        });
        await using var c = await RawClient.ConnectEstablishedAsync(s.Port, ServerUnderTest.Key);
        for (var i = 0; i < 5; i++) await c.SendAsync(new { @event = "pusher:subscribe", data = new { channel = $"burst-{i}", auth = "" } });

        await Eventually.UntilAsync(() => s.Peer.WebhookEvents.Count() == 5, TimeSpan.FromSeconds(10), "five occupied events");
        var body = Assert.Single(s.Peer.Webhooks);
        Assert.Equal(5, body.Parsed.Events.Count);
    }

    [Fact]
    public async Task A_full_queue_drops_events_instead_of_growing()
    {
        await using var s = await ServerUnderTest.StartAsync(o => o.Webhooks.QueueCapacity = 2);
        // Every request fails and is retried, so the capped deliveries in flight stay busy and the queue fills up.
        s.Peer.FailNextWebhooks(int.MaxValue);
        await using var c = await RawClient.ConnectEstablishedAsync(s.Port, ServerUnderTest.Key);
        for (var i = 0; i < 40; i++) await c.SendAsync(new { @event = "pusher:subscribe", data = new { channel = $"q-{i}", auth = "" } });
        await Eventually.UntilAsync(() => s.Server.Webhooks.Dropped > 0, TimeSpan.FromSeconds(10), "dropped events");
        // Dropping webhooks never holds up the protocol: every subscription still goes through.
        await Eventually.UntilAsync(() => s.Server.Channels.Occupied().Count() == 40, TimeSpan.FromSeconds(10), "all 40 channels occupied");
    }

    [Fact]
    public async Task Webhook_urls_set_after_start_receive_only_events_that_happen_later()
    {
        // As the console does: it learns its own address only after both servers started.
        await using var s = await ServerUnderTest.StartAsync(o => o.Webhooks.Urls.Clear());
        Assert.False(s.Server.Webhooks.Enabled);
        await using var c = await RawClient.ConnectEstablishedAsync(s.Port, ServerUnderTest.Key);
        await SubscribeAsync(c, "before");

        s.Server.Webhooks.SetUrls([s.Peer.WebhookUrl]);
        await SubscribeAsync(c, "after");
        await c.SendAsync(new { @event = "pusher:unsubscribe", data = new { channel = "before" } });
        await s.Peer.WaitForWebhookAsync(e => e.Name == "channel_vacated" && e.Channel == "before", "vacated before");
        // Nothing accepted is still on its way, so whatever was queued for "before" would have arrived by now.
        await Eventually.UntilAsync(() => s.Server.Webhooks.Outstanding == 0, TimeSpan.FromSeconds(10), "deliveries done");

        Assert.Contains(s.Peer.WebhookEvents, e => e.Name == "channel_occupied" && e.Channel == "after");
        // Occupied and its count of 1 happened while no URL was set; the count of 0 and vacated happened afterwards.
        Assert.Equal(["channel_vacated", "subscription_count:0"],
            s.Peer.WebhookEvents.Where(e => e.Channel == "before").Select(e => e.SubscriptionCount is { } n ? $"{e.Name}:{n}" : e.Name).Order());
        Assert.Throws<ArgumentException>(() => s.Server.Webhooks.SetUrls(["ftp://nope"]));
    }

    [Fact]
    public async Task Events_go_to_the_urls_configured_when_they_happened()
    {
        await using var later = await PeerHost.StartAsync(ServerUnderTest.Key, ServerUnderTest.Secret);
        await using var s = await ServerUnderTest.StartAsync(o =>
        {
            o.Webhooks.Batching = true;
            o.Webhooks.SubscriptionCount = false;
            o.Webhooks.MaxBatchSize = 2;
            // Longer than the test: only a full batch or an event for other URLs ends a batch, so "held" is still
            // waiting in the dispatcher (or its queue) when the URLs change.
            o.Webhooks.BatchWindow = TimeSpan.FromMinutes(5);
        });
        await using var c = await RawClient.ConnectEstablishedAsync(s.Port, ServerUnderTest.Key);
        await SubscribeAsync(c, "held");

        s.Server.Webhooks.SetUrls([later.WebhookUrl]);
        await SubscribeAsync(c, "moved-1");
        await SubscribeAsync(c, "moved-2");

        await s.Peer.WaitForWebhookAsync(e => e.Channel == "held", "held at the first URL");
        await later.WaitForWebhookAsync(e => e.Channel == "moved-2", "moved at the new URL");
        await Eventually.UntilAsync(() => s.Server.Webhooks.Outstanding == 0, TimeSpan.FromSeconds(10), "deliveries done");
        Assert.Equal(["held"], s.Peer.WebhookEvents.Select(e => e.Channel));
        Assert.Equal(["moved-1", "moved-2"], later.WebhookEvents.Select(e => e.Channel));
        Assert.Single(later.Webhooks);
    }
}
