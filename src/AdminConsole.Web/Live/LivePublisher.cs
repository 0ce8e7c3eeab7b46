using System.Threading.Channels;
using AdminConsole.Channels;
using AdminConsole.Web.Dashboard;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Memberships;
using AdminConsole.Web.Occupancy;
using AdminConsole.Web.Webhooks;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Live;

/// <summary>
/// Tells the pages what the ingest committed, without ever holding up a webhook's acknowledgement: the writer
/// only merges its summary into a bounded pending set (constant time, no I/O) and moves on; this service wakes,
/// reads the current rows of what changed and sends them through <see cref="ConsoleHub"/>, at most every
/// <see cref="FlushInterval"/>; the dashboard's figures at most every <see cref="StatsInterval"/>. If more changed than
/// the limits allow, pages are told to reload instead.
/// </summary>
public sealed partial class LivePublisher(
    IHubContext<ConsoleHub, IConsoleClient> hub,
    ConsoleConnections connections,
    IServiceScopeFactory scopes,
    TimeProvider time,
    ILogger<LivePublisher> logger) : BackgroundService, IWebhookActivityNotifier, IAuditFeed, IOccupancyNotifier
{
    /// <summary>
    /// How long changes gather before the next send. It bounds the webhook → page latency: at 150 ms the live benchmark
    /// (50 pages, 1,000 events/s, SQLite) measured p50 111 ms and p99 206 ms, against targets of 20 and 100 ms; a send of
    /// a flush's rows costs one indexed query and one serialization per group, so 10 ms (at most 100 sends a second)
    /// keeps the latency near the commit's own (docs/benchmarks.md, live).
    /// </summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>The dashboard's figures (five counts) are for people reading them: once a second is enough, and spares those queries on every flush.</summary>
    public static readonly TimeSpan StatsInterval = TimeSpan.FromSeconds(1);

    private DateTimeOffset _statsSent = DateTimeOffset.MinValue;
    private const int MaxChannels = 500;
    private const int MaxMembers = 500;
    private const int MaxEvents = 200;
    private const int MaxActivity = IAuditFeed.MaxEntries;

    private readonly Lock _gate = new();
    private Pending _pending = new();
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Called by the webhook writer after each commit.</summary>
    public void Committed(CommittedGroup group)
    {
        lock (_gate)
        {
            var p = _pending;
            p.StatsDirty = true;
            foreach (var c in group.Channels)
                if (!p.Overflow && p.Channels.Add(c) && p.Channels.Count > MaxChannels) p.Overflow = true;
            foreach (var m in group.Members)
                if (!p.Overflow && p.Members.Add(m) && p.Members.Count > MaxMembers) p.Overflow = true;
            Keep(p.Events, group.Events, MaxEvents, ref p.OmittedEvents);
        }
        _wake.Writer.TryWrite(true);
    }

    /// <summary>The event log's feed publishes committed entries here for the live event log.</summary>
    public void Publish(IReadOnlyList<AuditEntry> entries, int skipped)
    {
        lock (_gate)
        {
            _pending.OmittedActivity += skipped;
            Keep(_pending.Activity, entries.Select(ToView), MaxActivity, ref _pending.OmittedActivity);
        }
        _wake.Writer.TryWrite(true);
    }

    /// <summary>Reconcile and other writers outside the ingest: these channels (and members) changed.</summary>
    public void Changed(IEnumerable<string> channels, IEnumerable<(string Channel, string UserId)> members)
    {
        var group = new CommittedGroup();
        foreach (var c in channels) group.Channels.Add(c);
        foreach (var m in members) group.Members.Add(m);
        Committed(group);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _wake.Reader.WaitToReadAsync(stoppingToken))
            {
                _wake.Reader.TryRead(out _);
                Pending batch;
                lock (_gate)
                {
                    batch = _pending;
                    _pending = new Pending();
                }
                // Figures changed but were sent less than StatsInterval ago: they wait, and the loop comes back for them.
                var statsLater = batch.StatsDirty && time.GetUtcNow() - _statsSent < StatsInterval;
                if (statsLater)
                {
                    batch.StatsDirty = false;
                    lock (_gate) _pending.StatsDirty = true;
                }
                try
                {
                    await SendAsync(batch, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Live updates are a convenience; the pages' data is in the database either way.
                    LogPublishFailed(logger, ex);
                }
                await Task.Delay(FlushInterval, time, stoppingToken);
                if (statsLater)
                    _wake.Writer.TryWrite(true);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task SendAsync(Pending p, CancellationToken ct)
    {
        if (p.Overflow)
        {
            await hub.Clients.All.Resync();
        }
        else if (p.Channels.Count > 0 || p.Members.Count > 0)
        {
            // Only rows need the database: a flush that carries events, log entries or a deferred-figures wake-up (every
            // 10 ms for up to a second after a change) makes no scope.
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            if (p.Channels.Count > 0)
            {
                var names = p.Channels.ToList();
                var rows = await db.ChannelStates.AsNoTracking().Where(c => names.Contains(c.Channel)).ToListAsync(ct);
                var people = await scope.ServiceProvider.GetRequiredService<MembershipCache>().GetAsync(ct);
                var views = rows.Select(r => ChannelView.From(r, people)).ToList();
                await SendScopedAsync(views, v => v.Channel, (c, list) => c.ChannelsChanged(list));
            }
            if (p.Members.Count > 0)
            {
                var channels = p.Members.Select(m => m.Channel).Distinct().ToList();
                var rows = await PresenceQueries.MembersAsync(db, channels, ct);
                var views = rows.Where(r => p.Members.Contains((r.Channel, r.UserId))).ToList();
                await SendScopedAsync(views, v => v.Channel, (c, list) => c.PresenceChanged(list));
            }
        }
        if (p.Events.Count > 0)
        {
            await hub.Clients.Group(ConsoleGroups.AllActivity).WebhookEventsReceived(new EventBatch(p.Events, p.OmittedEvents));
            foreach (var byClass in p.Events.Where(e => ConsoleGroups.TryGetClassId(e.Channel, out _)).GroupBy(e => ClassOf(e.Channel)))
                await hub.Clients.Group(ConsoleGroups.Class(byClass.Key)).WebhookEventsReceived(new EventBatch(byClass.ToList(), 0));
        }
        if (p.Activity.Count > 0)
        {
            // Every instance tails the one log table, so each tells only the pages connected to it: sent to the group,
            // through the Redis backplane, every page would get each entry once per instance. Sends to a connection of
            // this instance never touch Redis.
            var here = connections.InGroup(ConsoleGroups.AllActivity);
            if (here.Count > 0)
                await hub.Clients.Clients(here).ActivityAppended(new ActivityBatch(p.Activity, p.OmittedActivity));
        }
        if (p.StatsDirty)
        {
            _statsSent = time.GetUtcNow();
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            await hub.Clients.Group(ConsoleGroups.Everyone).StatsChanged(await DashboardQueries.FiguresAsync(db, time, ct));
        }
    }

    /// <summary>Everything to admins and auditors; each class's share to that class's teachers only.</summary>
    private async Task SendScopedAsync<T>(List<T> views, Func<T, string> channelOf, Func<IConsoleClient, IReadOnlyList<T>, Task> send)
    {
        if (views.Count == 0) return;
        await send(hub.Clients.Group(ConsoleGroups.AllActivity), views);
        foreach (var byClass in views.Where(v => ConsoleGroups.TryGetClassId(channelOf(v), out _)).GroupBy(v => ClassOf(channelOf(v))))
            await send(hub.Clients.Group(ConsoleGroups.Class(byClass.Key)), byClass.ToList());
    }

    private static int ClassOf(string? channel) => ConsoleGroups.TryGetClassId(channel, out var id) ? id : 0;

    private static ActivityView ToView(AuditEntry a) =>
        new(a.Id, DateTime.SpecifyKind(a.TimeUtc, DateTimeKind.Utc), a.Kind, a.ActorName, a.Channel, a.EventName, a.Outcome, a.Target, a.Data);

    /// <summary>Keeps the newest <paramref name="max"/> items, counting the rest as omitted.</summary>
    private static void Keep<T>(List<T> list, IEnumerable<T> items, int max, ref int omitted)
    {
        list.AddRange(items);
        if (list.Count > max)
        {
            omitted += list.Count - max;
            list.RemoveRange(0, list.Count - max);
        }
    }

    private sealed class Pending
    {
        public readonly HashSet<string> Channels = new(StringComparer.Ordinal);
        public readonly HashSet<(string Channel, string UserId)> Members = [];
        public readonly List<EventView> Events = [];
        public readonly List<ActivityView> Activity = [];
        public int OmittedEvents;
        public int OmittedActivity;
        public bool StatsDirty;
        public bool Overflow;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing live updates failed.")]
    private static partial void LogPublishFailed(ILogger logger, Exception ex);
}
