using AdminConsole.Channels;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Pusher;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.Occupancy;

/// <summary>
/// Webhooks can be lost (the console was down for longer than Pusher retries) or arrive late. This asks the
/// Channels HTTP API which channels are occupied and who is on each presence channel, and corrects the
/// projection where it disagrees. Corrections are applied as observations at the time of asking, through the
/// same last-writer-wins rules as webhooks, and each one is written to the event log so an auditor can see
/// what the webhooks missed.
/// </summary>
public sealed partial class OccupancyReconciler(
    IServiceScopeFactory scopes,
    AuditTrail audit,
    PusherApp pusher,
    TimeProvider time,
    IOccupancyNotifier live,
    ReconcileStatus status,
    IOccupancyProjection projection,
    ILogger<OccupancyReconciler> logger)
{
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    public async Task<ReconcileResult> RunAsync(Actor actor, CancellationToken ct)
    {
        var result = await RunCoreAsync(actor, ct);
        status.Last = result;
        return result;
    }

    private async Task<ReconcileResult> RunCoreAsync(Actor actor, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        // PusherApp, not the Pusher section: in local mode the credentials are the embedded server's.
        if (!pusher.Enabled)
            return ReconcileResult.Unavailable(now, "Pusher is disabled in this console's settings (Pusher:Enabled = false), so there is nothing to ask.");
        if (!pusher.IsConfigured)
            return ReconcileResult.Unavailable(now, "No Pusher app is configured (Pusher:AppId, Key and Secret, or PUSHER_APP_ID, PUSHER_KEY and PUSHER_SECRET).");

        if (!await _oneAtATime.WaitAsync(0, ct))
            return ReconcileResult.Unavailable(now, "A reconcile is already running.");
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var client = scope.ServiceProvider.GetRequiredService<ChannelsClient>();
            Dictionary<string, HashSet<string>> presence = new(StringComparer.Ordinal);
            HashSet<string> occupied;
            Dictionary<string, long> counts;
            try
            {
                ChannelList list;
                try
                {
                    list = await client.GetChannelsAsync(info: "subscription_count", cancellationToken: ct);
                }
                catch (ChannelsApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.BadRequest)
                {
                    // Subscription counting is a per-app setting at Pusher; without it the attribute is refused.
                    list = await client.GetChannelsAsync(cancellationToken: ct);
                }
                occupied = list.Channels.Keys.ToHashSet(StringComparer.Ordinal);
                counts = list.Channels.Where(c => c.Value.SubscriptionCount is not null)
                    .ToDictionary(c => c.Key, c => (long)c.Value.SubscriptionCount!.Value, StringComparer.Ordinal);
                foreach (var channel in occupied.Where(c => OccupancyProjector.KindOf(c) == "presence"))
                    presence[channel] = (await client.GetPresenceUsersAsync(channel, ct)).Select(u => u.Id).ToHashSet(StringComparer.Ordinal);
            }
            catch (ChannelsUnreachableException ex)
            {
                LogUnreachable(logger, ex.Message);
                return ReconcileResult.Unavailable(now, "Pusher could not be reached: " + ex.Message);
            }
            catch (ChannelsApiException ex)
            {
                LogRefused(logger, (int)ex.StatusCode);
                return ReconcileResult.Unavailable(now, $"Pusher refused the request ({(int)ex.StatusCode}): {ex.Body}");
            }
            catch (ChannelsValidationException ex)
            {
                return ReconcileResult.Unavailable(now, "The Pusher settings are not usable: " + ex.Message);
            }

            var observedMs = time.GetUtcNow().ToUnixTimeMilliseconds();
            var corrections = await ApplyAsync(scope.ServiceProvider.GetRequiredService<AppDbContext>(), actor, occupied, presence, counts, observedMs, ct);
            return new ReconcileResult(now, true, corrections.Count, occupied.Count,
                corrections.Count == 0 ? $"The console agrees with Pusher: {occupied.Count} occupied channel(s)." : $"{corrections.Count} correction(s) applied; {occupied.Count} occupied channel(s) at Pusher.");
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    private async Task<List<string>> ApplyAsync(AppDbContext db, Actor actor, HashSet<string> occupied,
        Dictionary<string, HashSet<string>> presence, Dictionary<string, long> counts, long observedMs, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        using var projector = projection.OpenProjector(tx.GetDbTransaction());

        var believedOccupied = await db.ChannelStates.Where(c => c.Occupied).Select(c => c.Channel).ToListAsync(ct);
        var believedMembers = await db.PresenceMembers.Where(m => m.Present).Select(m => new { m.Channel, m.UserId }).ToListAsync(ct);
        var corrections = new List<string>();
        var changedChannels = new HashSet<string>(StringComparer.Ordinal);
        var changedMembers = new List<(string, string)>();

        void Record(string channel, string what, object data)
        {
            corrections.Add(channel);
            changedChannels.Add(channel);
            audit.Add(db, AuditKinds.ReconcileCorrection, actor, target: "channel:" + channel, data: data, channel: channel, eventName: what, outcome: "corrected");
        }

        foreach (var channel in believedOccupied.Where(c => !occupied.Contains(c)))
            if (projector.SetOccupied(channel, false, observedMs))
                Record(channel, "channel_vacated", new { channel, was = "occupied", now = "vacated" });
        foreach (var channel in occupied.Except(believedOccupied))
            if (projector.SetOccupied(channel, true, observedMs))
                Record(channel, "channel_occupied", new { channel, was = "vacated", now = "occupied" });

        var believed = believedMembers.ToLookup(m => m.Channel, m => m.UserId);
        foreach (var group in believed.Where(g => !presence.ContainsKey(g.Key)))
            foreach (var user in group)
                RemoveMember(group.Key, user);
        foreach (var (channel, users) in presence)
        {
            var known = believed[channel].ToHashSet(StringComparer.Ordinal);
            foreach (var user in known.Where(u => !users.Contains(u)))
                RemoveMember(channel, user);
            foreach (var user in users.Where(u => !known.Contains(u)))
                if (projector.SetMember(channel, user, true, observedMs))
                {
                    changedMembers.Add((channel, user));
                    Record(channel, "member_added", new { channel, user_id = user, was = "offline", now = "online" });
                }
        }

        // Subscription counts fill in what subscription_count webhooks (opt-in at Pusher) did not tell. A count is a
        // figure, not a membership fact, so a new one is shown but not written to the event log as a correction.
        var countNames = counts.Keys.ToList();
        var believedCounts = await db.ChannelStates.Where(c => countNames.Contains(c.Channel))
            .ToDictionaryAsync(c => c.Channel, c => c.SubscriptionCount, StringComparer.Ordinal, ct);
        foreach (var (channel, count) in counts)
            if (!believedCounts.TryGetValue(channel, out var believedCount) || believedCount != count)
            {
                projector.SetSubscriptionCount(channel, count, observedMs);
                changedChannels.Add(channel);
            }

        projector.Complete();
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        live.Changed(changedChannels, changedMembers);
        return corrections;

        void RemoveMember(string channel, string user)
        {
            if (!projector.SetMember(channel, user, false, observedMs)) return;
            changedMembers.Add((channel, user));
            Record(channel, "member_removed", new { channel, user_id = user, was = "online", now = "offline" });
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconcile: Pusher unreachable: {Reason}")]
    private static partial void LogUnreachable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconcile: Pusher answered {Status}.")]
    private static partial void LogRefused(ILogger logger, int status);
}

/// <summary>The outcome of a reconcile, shown on the Channels page.</summary>
public sealed record ReconcileResult(DateTimeOffset At, bool Succeeded, int Corrections, int OccupiedAtPusher, string Message)
{
    public static ReconcileResult Unavailable(DateTimeOffset at, string message) => new(at, false, 0, 0, message);
}

/// <summary>The last reconcile's outcome, for the page (process memory: it is a status line, not history; history is the event log).</summary>
public sealed class ReconcileStatus
{
    public ReconcileResult? Last { get; set; }
}

/// <summary>
/// The optional periodic reconcile (Reconcile:IntervalSeconds &gt; 0), once per cluster: the instance holding the
/// <see cref="JobName"/> lease asks Pusher, the others skip the tick (each would otherwise ask Pusher the same
/// questions and write the same corrections).
/// </summary>
internal sealed partial class PeriodicReconcile(OccupancyReconciler reconciler, Leases leases, IOptions<ReconcileOptions> options, TimeProvider time,
    ILogger<PeriodicReconcile> logger) : BackgroundService
{
    public const string JobName = "occupancy-reconcile";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.IntervalSeconds <= 0) return;
        var interval = TimeSpan.FromSeconds(options.Value.IntervalSeconds);
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await leases.RunOnceInClusterAsync(JobName, interval, ct => reconciler.RunAsync(Actor.System, ct), stoppingToken);
                }
                catch (System.Data.Common.DbException ex)
                {
                    // The database is unreachable (the lease or the corrections): the next tick tries again.
                    LogFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Periodic reconcile failed; it will retry at the next interval.")]
    private static partial void LogFailed(ILogger logger, Exception ex);
}
