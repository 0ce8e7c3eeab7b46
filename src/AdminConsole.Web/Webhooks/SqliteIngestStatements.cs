using System.Data.Common;
using AdminConsole.Channels;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using Microsoft.Data.Sqlite;

namespace AdminConsole.Web.Webhooks;

/// <summary>The prepared statements of one ingest transaction on SQLite (<see cref="SqliteStatement"/>), each run at once.</summary>
internal sealed class SqliteIngestStatements : IIngestStatements
{
    internal const string InsertEventSql = """
        INSERT INTO "WebhookEvents" ("BatchId", "Position", "TimeMs", "ReceivedMs", "Name", "Channel", "UserId", "EventName", "Data", "SocketId", "SubscriptionCount")
        VALUES ($batch, $position, $time, $received, $name, $channel, $user, $event, $data, $socket, $count)
        """;

    /// <summary>
    /// FULL: the commit fsyncs the WAL, so an acknowledged delivery survives power loss and not only a crash of the
    /// process (NORMAL, the other connections' setting, fsyncs only at checkpoints). One fsync per group commit,
    /// which covers up to 1,024 deliveries; the cost is in docs/decisions/0013-durable-webhook-commits.md.
    /// </summary>
    internal const string DurableCommitsSql = "PRAGMA synchronous=FULL";

    /// <summary>
    /// 32 MB of page cache for the writer's connection (SQLite's default is 2 MB): a commit touches the right-hand
    /// pages of every appending index plus one leaf per channel in the event log's (Channel, Id) index (about 1,200
    /// channels in the benchmark, 5 MB), which the default cache evicts between commits once the tables are large
    /// (docs/decisions/0019-writer-page-cache.md). The cache fills only as pages are used.
    /// </summary>
    internal const string WriterCacheSql = "PRAGMA cache_size=-32768";

    private readonly SqliteStatement _batch;
    private readonly SqliteStatement _event;
    private readonly SqliteStatement _rejection;
    private readonly SqliteStatement _moveLogCursor;
    private readonly SqliteStatement _logPosition;
    private readonly DbTransaction _transaction;
    private readonly AuditAppender _audit;

    public SqliteIngestStatements(DbTransaction transaction)
    {
        var connection = (SqliteConnection)transaction.Connection!;
        _transaction = transaction;
        // Locks the chain head, and with it the database, before anything reads the log cursor.
        _audit = new SqliteAuditAppender(transaction);
        _batch = new SqliteStatement(connection, IngestSql.InsertBatchSql, "@received", "@time", "@sha", "@body", "@count");
        _event = new SqliteStatement(connection, InsertEventSql,
            "$batch", "$position", "$time", "$received", "$name", "$channel", "$user", "$event", "$data", "$socket", "$count");
        _rejection = new SqliteStatement(connection, IngestSql.InsertRejectionSql, "@received", "@remote", "@check", "@reason", "@sha", "@length", "@status");
        _moveLogCursor = new SqliteStatement(connection, IngestSql.MoveLogCursorSql, "@id");
        _logPosition = new SqliteStatement(connection, IngestSql.LogPositionSql);
    }

    public void MoveLogCursor(long batchId) => _moveLogCursor.Bind(0, batchId).Execute();

    public (long Logged, long Stored) ReadLogPosition() => _logPosition.ExecuteRow();

    public List<(long BatchId, byte[] Body)> ReadUnlogged(long afterBatchId, int maxEvents) =>
        IngestSql.ReadUnlogged(_transaction, afterBatchId, maxEvents);

    public AuditEntry InsertAudit(DateTime timeUtc, string kind, Actor actor, string? target, string? data, string? channel, string? eventName, string? outcome) =>
        _audit.Append(timeUtc, kind, actor, target, data, channel, eventName, outcome);

    public void Complete() => _audit.Complete();

    public IReadOnlyList<(long BatchId, bool Duplicate)> InsertBatches(IReadOnlyList<VerifiedDelivery> deliveries)
    {
        var results = new (long, bool)[deliveries.Count];
        for (var i = 0; i < deliveries.Count; i++)
        {
            var d = deliveries[i];
            var (id, duplicates) = _batch.Bind(0, d.ReceivedMs).Bind(1, d.Webhook.TimeMs).Bind(2, d.BodySha256).Bind(3, d.Body).Bind(4, d.Webhook.Events.Count)
                .ExecuteRow();
            results[i] = (id, duplicates > 0);
        }
        return results;
    }

    public long InsertEvent(long batchId, int position, VerifiedDelivery d, WebhookEvent e)
    {
        _event.Bind(0, batchId).Bind(1, position).Bind(2, d.Webhook.TimeMs).Bind(3, d.ReceivedMs).Bind(4, e.Name).Bind(5, e.Channel).Bind(6, e.UserId)
            .Bind(7, e.Event).Bind(8, e.Data).Bind(9, e.SocketId).Bind(10, e.SubscriptionCount).Execute();
        return _event.LastInsertRowId;
    }

    public void InsertRejection(RejectedDelivery r)
    {
        _rejection.Bind(0, r.ReceivedMs).Bind(1, r.RemoteAddress).Bind(2, r.FailedCheck).Bind(3, r.Reason).Bind(4, r.BodySha256).Bind(5, r.BodyLength)
            .Bind(6, r.Status).Execute();
    }

    public void Dispose()
    {
        _batch.Dispose();
        _event.Dispose();
        _rejection.Dispose();
        _moveLogCursor.Dispose();
        _logPosition.Dispose();
        _audit.Dispose();
    }

    internal sealed class Store : IIngestStore
    {
        public IIngestStatements Open(DbTransaction transaction) => new SqliteIngestStatements(transaction);

        public void PrepareConnection(DbConnection connection)
        {
            // Per connection, and pooled connections are shared: SqlitePragmas sets NORMAL again whenever EF
            // opens this one for anyone else.
            using var cmd = connection.CreateCommand();
            cmd.CommandText = DurableCommitsSql;
            cmd.ExecuteNonQuery();
            cmd.CommandText = WriterCacheSql;
            cmd.ExecuteNonQuery();
        }
    }
}
