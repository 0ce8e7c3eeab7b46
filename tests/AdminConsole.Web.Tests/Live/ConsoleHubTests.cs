using System.Collections.Concurrent;
using System.Net;
using AdminConsole.Channels;
using AdminConsole.Web.Classes;
using AdminConsole.Web.Dashboard;
using AdminConsole.Web.Live;
using AdminConsole.Web.Occupancy;
using AdminConsole.Web.Tests.Infrastructure;
using AdminConsole.Web.Tests.Webhooks;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using WebhookPost = AdminConsole.Web.Tests.Webhooks.Webhook;

namespace AdminConsole.Web.Tests.Live;

public class ConsoleHubTests(WebhookConsole console) : IClassFixture<WebhookConsole>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Teacher_receives_presence_changes_of_their_class_and_never_those_of_another_class()
    {
        var (physics, history) = await ClassIdsAsync();
        await using var teacher = await ListenAsync(DemoUser.Teacher);
        var client = console.CreateClient();

        await PostAsync(client, WebhookEvent.MemberAdded(ChannelNames.PresenceClass(history), "someone-else"));
        await PostAsync(client, WebhookEvent.MemberAdded(ChannelNames.PresenceClass(physics), "student-x"));
        await PostAsync(client, WebhookEvent.MemberAdded("presence-admin", "admin-x"));

        var seen = await teacher.Presence.WaitForAsync(m => m.Channel == ChannelNames.PresenceClass(physics) && m.UserId == "student-x" && m.Present, Patience);
        Assert.NotNull(seen);
        // A marker after the other posts: once it arrives, anything for the other class would have arrived too.
        await PostAsync(client, WebhookEvent.MemberRemoved(ChannelNames.PresenceClass(physics), "student-x"));
        await teacher.Presence.WaitForAsync(m => m.UserId == "student-x" && !m.Present, Patience);
        Assert.All(teacher.Presence.All, m => Assert.Equal(ChannelNames.PresenceClass(physics), m.Channel));
        Assert.All(teacher.Channels.All, c => Assert.True(ConsoleGroups.TryGetClassId(c.Channel, out var id) && id == physics, c.Channel));
    }

    [Fact]
    public async Task Auditor_receives_all_activity()
    {
        var (physics, history) = await ClassIdsAsync();
        await using var auditor = await ListenAsync(DemoUser.Auditor);
        var client = console.CreateClient();

        await PostAsync(client, WebhookEvent.MemberAdded(ChannelNames.PresenceClass(history), "aud-1"), WebhookEvent.ChannelOccupied("public-auditor"));
        await PostAsync(client, WebhookEvent.MemberAdded(ChannelNames.PresenceClass(physics), "aud-2"));

        await auditor.Presence.WaitForAsync(m => m.UserId == "aud-1", Patience);
        await auditor.Presence.WaitForAsync(m => m.UserId == "aud-2", Patience);
        await auditor.Channels.WaitForAsync(c => c.Channel == "public-auditor" && c.Occupied, Patience);
        await auditor.Events.WaitForAsync(e => e.Events.Any(x => x.Channel == "public-auditor" && x.Name == "channel_occupied"), Patience);
        await auditor.Stats.WaitForAsync(s => s.OccupiedChannels >= 1 && s.LastWebhookMs is not null, Patience);
    }

    [Fact]
    public async Task Anonymous_connection_is_refused()
    {
        var connection = Build(cookie: null);
        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => connection.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
    }

    [Fact]
    public async Task Student_connection_is_refused()
    {
        var connection = Build(await SignInCookieAsync(DemoUser.Student));
        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => connection.StartAsync());
        Assert.Equal(HttpStatusCode.Forbidden, ex.StatusCode);
    }

    private async Task PostAsync(HttpClient client, params WebhookEvent[] events) =>
        Assert.Equal(HttpStatusCode.OK, (await WebhookPost.PostAsync(client, WebhookPost.Body(events))).StatusCode);

    private Task<(int Physics, int History)> ClassIdsAsync() => console.QueryAsync(async db => (
        (await db.Classes.SingleAsync(c => c.Name == "Physics 7A")).Id,
        (await db.Classes.SingleAsync(c => c.Name == "History 8B")).Id));

    private async Task<Listener> ListenAsync(DemoUser user)
    {
        var connection = Build(await SignInCookieAsync(user));
        var listener = new Listener(connection);
        await connection.StartAsync();
        // StartAsync returns at the handshake, before the hub has put the connection in its groups.
        await listener.Joined.Task.WaitAsync(Patience);
        return listener;
    }

    private HubConnection Build(string? cookie) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(console.Server.BaseAddress, "/hubs/console"), o =>
            {
                // TestServer has no sockets: long polling through its in-memory handler, the cookie as a header.
                o.Transports = HttpTransportType.LongPolling;
                o.HttpMessageHandlerFactory = _ => console.Server.CreateHandler();
                if (cookie is not null) o.Headers["Cookie"] = cookie;
            })
            .Build();

    private async Task<string> SignInCookieAsync(DemoUser user)
    {
        var cookies = new CookieContainerHandler();
        var client = console.CreateDefaultClient(cookies);
        var response = await client.PostFormAsync("/Identity/Account/Login", new()
        {
            ["Input.Email"] = user.Email,
            ["Input.Password"] = user.Password,
            ["Input.RememberMe"] = "false",
        });
        Assert.True(response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.Redirect, $"sign-in {user}: {(int)response.StatusCode}");
        return cookies.Container.GetCookieHeader(console.Server.BaseAddress);
    }

    private sealed class Listener : IAsyncDisposable
    {
        private readonly HubConnection _connection;
        public Inbox<PresenceView> Presence { get; } = new();
        public Inbox<ChannelView> Channels { get; } = new();
        public Inbox<EventBatch> Events { get; } = new();
        public Inbox<DashboardFigures> Stats { get; } = new();
        public TaskCompletionSource Joined { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Listener(HubConnection connection)
        {
            _connection = connection;
            connection.On<List<PresenceView>>(nameof(IConsoleClient.PresenceChanged), list => Presence.AddRange(list));
            connection.On<List<ChannelView>>(nameof(IConsoleClient.ChannelsChanged), list => Channels.AddRange(list));
            connection.On<EventBatch>(nameof(IConsoleClient.WebhookEventsReceived), Events.Add);
            connection.On<DashboardFigures>(nameof(IConsoleClient.StatsChanged), Stats.Add);
            connection.On(nameof(IConsoleClient.Joined), () => Joined.TrySetResult());
        }

        public ValueTask DisposeAsync() => _connection.DisposeAsync();
    }
}

/// <summary>Messages received so far, and a way to wait (without sleeping) for one that matches.</summary>
public sealed class Inbox<T>
{
    private readonly ConcurrentQueue<T> _items = new();
    private readonly SemaphoreSlim _arrived = new(0);

    public IReadOnlyCollection<T> All => _items.ToArray();

    public void Add(T item)
    {
        _items.Enqueue(item);
        _arrived.Release();
    }

    public void AddRange(IEnumerable<T> items)
    {
        foreach (var item in items) Add(item);
    }

    public async Task<T> WaitForAsync(Func<T, bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var found = _items.FirstOrDefault(match);
            if (found is not null) return found;
            try { await _arrived.WaitAsync(cts.Token); }
            catch (OperationCanceledException) { throw new TimeoutException($"No matching {typeof(T).Name} within {timeout}; received {_items.Count}: {string.Join("; ", _items)}"); }
        }
    }
}
