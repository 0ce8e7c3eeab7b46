using AdminConsole.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.EventLog;

/// <summary>
/// Deletes entries older than the retention period, oldest first, in small transactions. Each batch moves the
/// chain's checkpoint to the last deleted entry (in the same transaction), so verification starts from that
/// hash and a purged prefix never reads as tampering. Only a prefix of the chain is ever purged.
/// </summary>
public sealed partial class EventLogRetention(
    AppDbContext db,
    AuditTrail trail,
    TimeProvider time,
    IOptions<EventLogOptions> options,
    ILogger<EventLogRetention> logger)
{
    /// <returns>The number of entries purged.</returns>
    public async Task<long> PurgeExpiredAsync(CancellationToken ct = default)
    {
        if (options.Value.RetentionDays is not { } days)
            return 0;
        var cutoff = time.GetUtcNow().UtcDateTime.AddDays(-days);
        var batchSize = options.Value.PurgeBatchSize;
        long purged = 0, firstId = 0, lastId = 0;

        while (!ct.IsCancellationRequested)
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var state = await db.AuditChainStates.AsNoTracking().SingleAsync(ct);
            var oldest = await db.AuditEntries.AsNoTracking()
                .Where(e => e.Id > state.CheckpointId)
                .OrderBy(e => e.Id)
                .Select(e => new { e.Id, e.TimeUtc, e.Hash })
                .Take(batchSize + 1)
                .ToListAsync(ct);
            // Stop at the first entry still inside the period, even if later ones are older (clock skew):
            // the checkpoint can only stand for a contiguous prefix.
            var expired = oldest.TakeWhile(e => e.TimeUtc < cutoff).Take(batchSize).ToList();
            var last = expired.Count > 0 ? expired[^1] : null;
            if (last is not null)
            {
                await db.AuditEntries.Where(e => e.Id <= last.Id).ExecuteDeleteAsync(ct);
                await db.AuditChainStates.Where(s => s.Id == AuditChainState.SingletonId)
                    .ExecuteUpdateAsync(s => s.SetProperty(x => x.CheckpointId, last.Id).SetProperty(x => x.CheckpointHash, last.Hash), ct);
                if (purged == 0) firstId = expired[0].Id;
                purged += expired.Count;
                lastId = last.Id;
            }

            var finished = expired.Count < batchSize || expired.Count == oldest.Count;
            if (finished && purged > 0)
            {
                // The run's record commits with its last batch.
                trail.Add(db, AuditKinds.LogPurged, Actor.System, target: "log", outcome: "success", data: new
                {
                    retentionDays = days,
                    cutoffUtc = cutoff,
                    purged,
                    fromId = firstId,
                    throughId = lastId,
                    checkpointHash = Convert.ToHexStringLower(last?.Hash ?? (await db.AuditChainStates.AsNoTracking().SingleAsync(ct)).CheckpointHash),
                });
                await db.SaveChangesAsync(ct);
            }
            await tx.CommitAsync(ct);
            if (finished)
                break;
        }
        if (purged > 0)
            LogPurged(logger, purged, firstId, lastId, days);
        return purged;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention purged {Count} event log entries ({FirstId}..{LastId}) older than {Days} days.")]
    private static partial void LogPurged(ILogger logger, long count, long firstId, long lastId, int days);
}

/// <summary>
/// Runs retention on a timer; does nothing while no retention period is configured. Once per cluster: every instance
/// ticks, the one holding the <see cref="JobName"/> lease purges (two purging at once would each write a log.purged
/// entry for the same rows and contend for the same deletes).
/// </summary>
internal sealed partial class RetentionWorker(IServiceScopeFactory scopes, TimeProvider time, Leases leases, IOptions<EventLogOptions> options, ILogger<RetentionWorker> logger) : BackgroundService
{
    public const string JobName = "eventlog-retention";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.RetentionDays is null)
            return;
        using var timer = new PeriodicTimer(options.Value.PurgeInterval, time);
        do
        {
            try
            {
                await leases.RunOnceInClusterAsync(JobName, options.Value.PurgeInterval, async ct =>
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<EventLogRetention>().PurgeExpiredAsync(ct);
                }, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(logger, ex);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Event log retention failed; it will retry at the next interval.")]
    private static partial void LogFailed(ILogger logger, Exception ex);
}
