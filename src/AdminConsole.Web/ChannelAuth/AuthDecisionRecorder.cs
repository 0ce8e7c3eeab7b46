using System.Text.Json;
using System.Threading.Channels;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace AdminConsole.Web.ChannelAuth;

/// <summary>
/// Writes channel-authorization decisions to the audit trail in batches. A decision changes no other data, so
/// nothing has to commit atomically with it, and one SQLite transaction per subscription would cap
/// <c>/pusher/auth</c> at the database's commit rate. Entries queue in memory (bounded: a full queue slows
/// callers down rather than dropping entries) and are flushed on shutdown. They are sealed into the event log's
/// hash chain with <see cref="AuditAppender"/> (prepared or batched inserts), as the webhook writer does: EF's change tracking
/// would be most of the cost of a few thousand rows a second.
/// </summary>
public sealed partial class AuthDecisionRecorder(IServiceScopeFactory scopes, IAuditAppenders appenders, ILogger<AuthDecisionRecorder> logger, ChannelAuthMetrics metrics) : BackgroundService
{
    private const int MaxBatch = 500;
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(20);

    private readonly Channel<AuthDecisionRecord> _queue = Channel.CreateBounded<AuthDecisionRecord>(new BoundedChannelOptions(20_000)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });

    public ValueTask RecordAsync(AuthDecisionRecord record, CancellationToken cancellationToken = default)
    {
        metrics.Decided(record);
        return _queue.Writer.WriteAsync(record, cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<AuthDecisionRecord>(MaxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item)) batch.Add(item);
                if (batch.Count < MaxBatch)
                {
                    // Under load, taking whatever is queued the moment the first entry arrives makes batches of a few
                    // entries, and the per-batch cost (scope, DbContext, chain head, commit) was half the writer's
                    // CPU. A short wait lets a burst fill the batch; entries read so far are written even on shutdown.
                    try { await Task.Delay(Linger, stoppingToken); }
                    catch (OperationCanceledException) { }
                    while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item)) batch.Add(item);
                }
                await WriteAsync(batch, CancellationToken.None);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
        // Whatever arrived before shutdown is still written.
        var rest = new List<AuthDecisionRecord>();
        while (_queue.Reader.TryRead(out var item)) rest.Add(item);
        foreach (var chunk in rest.Chunk(MaxBatch))
            await WriteAsync(chunk, cancellationToken);
    }

    private async Task WriteAsync(IReadOnlyCollection<AuthDecisionRecord> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0) return;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            await db.Database.OpenConnectionAsync(cancellationToken);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            using (var appender = appenders.Open(transaction.GetDbTransaction()))
            {
                foreach (var r in batch)
                    appender.Append(r.TimeUtc, r.Kind, r.Actor, r.Actor.Id is null ? null : "user:" + r.Actor.Id,
                        JsonSerializer.Serialize(new { reason = r.Reason, socket_id = r.SocketId }, JsonSerializerOptions.Web),
                        r.Channel, null, r.Outcome);
                appender.Complete();
            }
            await transaction.CommitAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogWriteFailed(logger, e, batch.Count);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not write {Count} channel-authorization audit entries.")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, int count);
}

/// <summary>One decision waiting to be written: <see cref="AuditKinds.ChannelAuth"/> or <see cref="AuditKinds.UserAuth"/>.</summary>
public sealed record AuthDecisionRecord(DateTime TimeUtc, string Kind, Actor Actor, string? Channel, string? SocketId, string Outcome, string Reason);
