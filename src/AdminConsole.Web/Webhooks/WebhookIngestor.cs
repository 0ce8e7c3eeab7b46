using System.Data.Common;
using System.Text.Json;
using System.Threading.Channels;
using AdminConsole.Channels;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.Webhooks;

/// <summary>
/// The single writer of webhook data. SQLite allows one writer at a time, so instead of every request opening its
/// own transaction (and queueing on the database lock), requests hand their delivery to a bounded queue and wait;
/// this service takes everything that is waiting, stores it (batches, events, rejections, the projection) in ONE
/// transaction, and only after the commit completes each request, which then answers 200. Under load a commit covers
/// hundreds of requests: one fsync-free WAL commit instead of hundreds.
/// The events' entries in the event log are sealed into that same transaction unless the writer is under load
/// (<see cref="WebhookOptions.LogInlineUpToEventsPerSecond"/>). Then acknowledging comes first, and the entries are
/// appended once the load drops, oldest delivery first, from the stored bodies
/// (<see cref="AuditChainState.LoggedWebhookBatchId"/> says how far the log has got). Why: a chained log entry with
/// its six index entries costs as much as storing and projecting the event; written inline under load it halved the
/// batched throughput (measured: 21,500 against 42,800-46,000 events/s acknowledged).
/// Deferring is for bursts: once the log trails by more than <see cref="WebhookOptions.LogMaxLagSeconds"/>, each commit
/// also appends the oldest entries, so a sustained rate is acknowledged no faster than it is logged (back-pressure;
/// docs/decisions/0017-webhook-log-back-pressure.md). A stop does not wait for a backlog: the next start appends it.
/// Rows are written through the configured provider's <see cref="IIngestStatements"/> on the context's connection
/// (SQLite: <see cref="SqliteStatement"/>; PostgreSQL: a few batched round trips per commit), audit entries included
/// (through <see cref="AuditAppender"/>, which seals them into the log's hash chain): EF's SaveChanges for one audit
/// entry per event cost more than everything else in the transaction together, and Microsoft.Data.Sqlite's binding
/// by name a fifth of the rest. New audit entries reach open log pages through the event log's feed
/// (EventLog/EventLogFeed.cs), like every other writer's.
/// </summary>
public sealed partial class WebhookIngestor : BackgroundService
{
    /// <summary>Deliveries waiting for the writer; beyond this, requests wait for room (back-pressure, not loss).</summary>
    public const int QueueCapacity = 4096;
    private const int MaxDeliveriesPerCommit = 1024;
    private const int MaxEventsPerCommit = 8192;

    /// <summary>
    /// Log entries per catch-up transaction while deliveries still trickle in: one that arrives meanwhile waits for
    /// it, so it stays at about 2 ms of work (measured: 256 raised the p99 at 2,500 single-event requests/s from 35
    /// to 42-46 ms, 1,024 to 120-155 ms).
    /// </summary>
    private const int LogCatchUpEventsUnderTraffic = 64;

    /// <summary>When nothing has arrived for 100-200 ms: larger transactions catch up faster (about 50,000 entries/s, against 33,000).</summary>
    private const int LogCatchUpEventsWhenQuiet = 1024;

    private readonly Channel<IngestWork> _queue = Channel.CreateBounded<IngestWork>(new BoundedChannelOptions(QueueCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _time;
    private readonly IWebhookActivityNotifier _live;
    private readonly IWebhookProjection _projection;
    private readonly IIngestStore _store;
    private readonly ILogger<WebhookIngestor> _logger;
    private readonly WebhookMetrics _metrics;

    // Written by the writer thread only: the newest delivery stored, and the newest whose events are in the log.
    private long _storedBatchId;
    private long _loggedBatchId;
    private readonly WriterLoad _load;
    private readonly UnloggedAge _unlogged = new(MachineTime);
    private readonly TimeSpan _logMaxLag;
    private volatile bool _stopping;
    private DateTimeOffset _catchUpFailedAt = DateTimeOffset.MinValue;
    private static readonly TimeSpan CatchUpRetryDelay = TimeSpan.FromSeconds(5);

    /// <summary>For scheduling the writer's own work (load, retries): the machine's time, not the console's clock that tests may stop.</summary>
    private static readonly TimeProvider MachineTime = TimeProvider.System;

    public WebhookIngestor(IServiceScopeFactory scopes, TimeProvider time, IWebhookActivityNotifier live, IWebhookProjection projection, IIngestStore store,
        IOptions<WebhookOptions> options, ILogger<WebhookIngestor> logger, WebhookMetrics metrics)
    {
        _store = store;
        _load = new WriterLoad(MachineTime, options.Value.LogInlineUpToEventsPerSecond);
        _logMaxLag = TimeSpan.FromSeconds(options.Value.LogMaxLagSeconds);
        _scopes = scopes;
        _time = time;
        _live = live;
        _projection = projection;
        _logger = logger;
        _metrics = metrics;
        // Both ids are written by the writer thread alone; a scrape reading one a commit late is fine.
        metrics.ObserveWriter(() => _queue.Reader.Count, () => LogLag);
    }

    /// <summary>Stored deliveries whose events are not in the event log yet (deferred under load).</summary>
    public long LogLag => Math.Max(0, Volatile.Read(ref _storedBatchId) - Volatile.Read(ref _loggedBatchId));

    /// <summary>Stores a verified webhook; completes after its transaction has committed.</summary>
    public async Task<IngestResult> StoreAsync(VerifiedDelivery delivery, CancellationToken cancellationToken)
    {
        await Enqueue(delivery, cancellationToken);
        return await delivery.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Records a refused delivery; completes after its transaction has committed.</summary>
    public async Task RecordAsync(RejectedDelivery rejection, CancellationToken cancellationToken)
    {
        await Enqueue(rejection, cancellationToken);
        await rejection.Completion.Task.WaitAsync(cancellationToken);
    }

    private async ValueTask Enqueue(IngestWork work, CancellationToken cancellationToken)
    {
        if (!_queue.Writer.TryWrite(work))
        {
            try { await _queue.Writer.WriteAsync(work, cancellationToken); }
            catch (ChannelClosedException) { throw new IngestUnavailableException(); }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Kestrel has stopped taking requests by now; whatever is queued is still stored before we exit. A log backlog
        // is not: it can be minutes of catch-up (issue 17: still running 30 s after SIGTERM), and the next start
        // appends it from the cursor, in order.
        _stopping = true;
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    /// <summary>
    /// The writer runs on a thread of its own: its SQLite calls are synchronous anyway, and a dedicated thread keeps
    /// a long commit from holding a thread-pool worker that the requests need (two cores here), and shows up by
    /// name in a profile.
    /// </summary>
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                WriteUntilCompleted();
                finished.SetResult();
            }
            catch (Exception ex)
            {
                finished.SetException(ex);
            }
        })
        { Name = "webhook-writer", IsBackground = true };
        thread.Start();
        return finished.Task;
    }

    private void WriteUntilCompleted()
    {
        var reader = _queue.Reader;
        var group = new List<IngestWork>(MaxDeliveriesPerCommit);
        // Learns where the log stands, and starts on a backlog the last run left.
        CatchUpLog();
        while (true)
        {
            if (reader.Count == 0)
            {
                var backlog = _loggedBatchId < _storedBatchId;
                var retryIn = _catchUpFailedAt + CatchUpRetryDelay - MachineTime.GetUtcNow();
                // A delivery arriving meanwhile waits for at most one catch-up transaction.
                if (backlog && !_stopping && !_load.Busy && retryIn <= TimeSpan.Zero && CatchUpLog())
                    continue;
                // Not cancelled by stoppingToken: the queue completes on stop and the loop drains it. With a backlog,
                // wake up when the load has had time to drop (or a failed catch-up may be retried), even if no
                // delivery comes.
                if (!WaitForWork(reader, backlog ? TimeSpan.FromTicks(Math.Max(retryIn.Ticks, WriterLoad.Window.Ticks)) : Timeout.InfiniteTimeSpan))
                    return;
                continue;
            }

            group.Clear();
            var events = 0;
            while (group.Count < MaxDeliveriesPerCommit && events < MaxEventsPerCommit && reader.TryRead(out var work))
            {
                group.Add(work);
                events += work.EventCount;
            }
            // Back-pressure: once the log trails by more than LogMaxLagSeconds, this commit also appends the oldest
            // entries, twice as many as it stores, so its acknowledgements wait for log work and the backlog shrinks.
            var catchUp = _unlogged.Age > _logMaxLag ? Math.Min(MaxEventsPerCommit, Math.Max(2 * events, LogCatchUpEventsUnderTraffic)) : 0;
            CommitGroup(group, catchUp);
            _load.Add(events);
        }
    }

    /// <summary>False once the queue is completed and empty; true when work is waiting or <paramref name="timeout"/> passed.</summary>
    private static bool WaitForWork(ChannelReader<IngestWork> reader, TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
            return reader.WaitToReadAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        using var timer = new CancellationTokenSource(timeout);
        try
        {
            return reader.WaitToReadAsync(timer.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    /// <summary>Appends the log entries of some of the events acknowledged without them, oldest first.</summary>
    private bool CatchUpLog()
    {
        try
        {
            (_loggedBatchId, _storedBatchId) = LogStoredDeliveries(_load.Quiet ? LogCatchUpEventsWhenQuiet : LogCatchUpEventsUnderTraffic);
            _unlogged.Update(_storedBatchId, _loggedBatchId);
            return true;
        }
        catch (Exception ex)
        {
            // Nothing is lost: the deliveries are stored and the cursor did not move. Retried a little later, so a
            // lasting fault (a full disk) is not logged ten times a second.
            LogCatchUpFailed(_logger, ex);
            _catchUpFailedAt = MachineTime.GetUtcNow();
            return false;
        }
    }

    /// <returns>Afterwards, the newest logged delivery and the newest stored.</returns>
    private (long Logged, long Stored) LogStoredDeliveries(int maxEvents) => InWriteTransaction((statements, _) =>
    {
        var (logged, stored) = statements.ReadLogPosition();
        return (AppendLogEntries(statements, _time.GetUtcNow().UtcDateTime, logged, maxEvents), stored);
    });

    /// <summary>
    /// Appends the entries of stored deliveries after <paramref name="logged"/>, oldest first, about
    /// <paramref name="maxEvents"/> events (whole deliveries), and moves the cursor; returns where it now stands.
    /// </summary>
    private static long AppendLogEntries(IIngestStatements statements, DateTime now, long logged, int maxEvents)
    {
        var before = logged;
        foreach (var (batchId, body) in statements.ReadUnlogged(logged, maxEvents))
        {
            if (AdminConsole.Channels.Webhook.TryParse(body, out var webhook, out var error))
            {
                foreach (var e in webhook.Events)
                    LogEvent(statements, now, batchId, e);
            }
            else
            {
                // Only a body changed in the database after it was verified can get here. Say so in the log rather
                // than hold every later delivery back.
                statements.InsertAudit(now, AuditKinds.WebhookEvent, Actor.Pusher, target: WebhookTarget.Of(batchId),
                    data: JsonSerializer.Serialize(new { error }, JsonSerializerOptions.Web), channel: null, eventName: null, outcome: "unreadable");
            }
            logged = batchId;
        }
        if (logged != before)
            statements.MoveLogCursor(logged);
        return logged;
    }

    /// <summary>
    /// Runs <paramref name="work"/> in one write transaction of the writer's: the statements lock the chain head (and
    /// with it the database) first, and their audit entries are sealed before the commit.
    /// </summary>
    private T InWriteTransaction<T>(Func<IIngestStatements, DbTransaction, T> work)
    {
        using var scope = _scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        db.Database.OpenConnection();
        _store.PrepareConnection(db.Database.GetDbConnection());
        using var transaction = db.Database.BeginTransaction();
        using var statements = _store.Open(transaction.GetDbTransaction());
        var result = work(statements, transaction.GetDbTransaction());
        statements.Complete();
        transaction.Commit();
        return result;
    }

    private static void LogEvent(IIngestStatements statements, DateTime now, long batchId, WebhookEvent e) =>
        statements.InsertAudit(now, AuditKinds.WebhookEvent, Actor.Pusher, target: WebhookTarget.Of(batchId), data: e.RawJson,
            channel: e.Channel, eventName: e.Name, outcome: "accepted");

    /// <param name="catchUpEvents">Log entries of older deliveries to append in the same transaction (back-pressure).</param>
    private void CommitGroup(List<IngestWork> group, int catchUpEvents = 0)
    {
        try
        {
            var started = MachineTime.GetTimestamp();
            var (outcome, stored, logged) = Commit(group, catchUpEvents);
            _metrics.Committed(MachineTime.GetElapsedTime(started));
            (_storedBatchId, _loggedBatchId) = (stored, logged);
            _unlogged.Update(stored, logged);
            foreach (var work in group)
                work.Complete();
            _live.Committed(outcome);
        }
        catch (Exception ex) when (group.Count > 1)
        {
            // One bad delivery must not fail the others that shared its transaction: store each alone.
            LogGroupFailed(_logger, ex, group.Count);
            foreach (var work in group)
                CommitGroup([work]);
        }
        catch (Exception ex)
        {
            LogStoreFailed(_logger, ex);
            group[0].Fail(new IngestUnavailableException(ex));
        }
    }

    /// <returns>What was committed, and afterwards the newest stored delivery and the newest logged one.</returns>
    private (CommittedGroup Outcome, long StoredBatchId, long LoggedBatchId) Commit(List<IngestWork> group, int catchUpEvents) => InWriteTransaction((statements, transaction) =>
    {
        using var projector = _projection.Open(transaction);
        var committed = new CommittedGroup();
        var now = _time.GetUtcNow().UtcDateTime;
        // Log inline unless the writer is under load (then acknowledgements go first) or older deliveries are still
        // unlogged (the log stays in delivery order). Read from the database, under the write lock: it is the truth.
        var (logged, stored) = statements.ReadLogPosition();
        var logNow = logged == stored && !_load.Busy;

        // All deliveries first, in one go (one round trip on PostgreSQL); then their events, projection and log.
        var deliveries = group.OfType<VerifiedDelivery>().ToList();
        var batches = statements.InsertBatches(deliveries);
        for (var i = 0; i < deliveries.Count; i++)
            deliveries[i].Result = new IngestResult(batches[i].BatchId, batches[i].Duplicate, deliveries[i].Webhook.Events.Count);

        foreach (var work in group)
        {
            switch (work)
            {
                case VerifiedDelivery d:
                    Store(d, statements, projector, committed, now, logNow);
                    if (!d.Result!.Duplicate)
                        stored = Math.Max(stored, d.Result.BatchId);
                    break;
                case RejectedDelivery r:
                    statements.InsertRejection(r);
                    statements.InsertAudit(now, AuditKinds.WebhookRejected, new Actor(null, "webhook sender " + (r.RemoteAddress ?? "unknown")),
                        target: r.BodySha256 is null ? null : "body:" + r.BodySha256,
                        data: JsonSerializer.Serialize(new { check = r.FailedCheck, reason = r.Reason, status = r.Status, length = r.BodyLength, count = r.Count, first_ms = r.ReceivedMs, last_ms = Math.Max(r.ReceivedMs, r.LastReceivedMs) }, JsonSerializerOptions.Web),
                        channel: null, eventName: null, outcome: "rejected");
                    break;
            }
        }

        if (logNow && stored > logged)
            statements.MoveLogCursor(logged = stored);
        else if (catchUpEvents > 0 && stored > logged)
            logged = AppendLogEntries(statements, now, logged, catchUpEvents);
        projector.Complete();
        return (committed, stored, logged);
    });

    /// <summary>Its events, projection and log entries, for a delivery <see cref="IIngestStatements.InsertBatches"/> has stored.</summary>
    private static void Store(VerifiedDelivery d, IIngestStatements statements, IWebhookProjector projector, CommittedGroup committed, DateTime now, bool log)
    {
        var (batchId, duplicate, _) = d.Result!;
        committed.Batches++;
        if (duplicate)
        {
            // One entry per repeated delivery, not per event: the events themselves were logged the first time.
            statements.InsertAudit(now, AuditKinds.WebhookDuplicate, Actor.Pusher, target: WebhookTarget.Of(batchId),
                data: JsonSerializer.Serialize(new { sha256 = d.BodySha256, events = d.Webhook.Events.Count, time_ms = d.Webhook.TimeMs }, JsonSerializerOptions.Web),
                channel: null, eventName: null, outcome: "duplicate");
            return;
        }

        var events = d.Webhook.Events;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var eventId = statements.InsertEvent(batchId, i, d, e);
            var change = projector.Apply(e.Name, e.Channel, e.UserId, e.SubscriptionCount, d.Webhook.TimeMs, i);
            if (log)
                LogEvent(statements, now, batchId, e);
            committed.Add(eventId, e, d.Webhook.TimeMs, d.ReceivedMs, change);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing {Count} webhook deliveries together failed; storing them one by one.")]
    private static partial void LogGroupFailed(ILogger logger, Exception ex, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Appending stored webhook events to the event log failed; it is retried in a few seconds.")]
    private static partial void LogCatchUpFailed(ILogger logger, Exception ex);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storing a webhook delivery failed; it is answered 503 so Pusher retries.")]
    private static partial void LogStoreFailed(ILogger logger, Exception ex);
}
