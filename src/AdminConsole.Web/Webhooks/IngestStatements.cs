using AdminConsole.Channels;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using Microsoft.Data.Sqlite;

namespace AdminConsole.Web.Webhooks;

/// <summary>The prepared inserts of one ingest transaction.</summary>
internal sealed class IngestStatements : IDisposable
{
    // Hand-written SQL is in `const string …Sql` fields: a test prepares every one against the migrated schema.

    /// <summary>A repeated body (Pusher retries) conflicts on the hash: count it and report the first delivery's id.</summary>
    internal const string InsertBatchSql = """
        INSERT INTO "WebhookBatches" ("ReceivedMs", "TimeMs", "BodySha256", "Body", "EventCount", "DuplicateCount", "LastDuplicateMs")
        VALUES ($received, $time, $sha, $body, $count, 0, NULL)
        ON CONFLICT ("BodySha256") DO UPDATE SET "DuplicateCount" = "DuplicateCount" + 1, "LastDuplicateMs" = excluded."ReceivedMs"
        RETURNING "Id", "DuplicateCount"
        """;

    internal const string InsertEventSql = """
        INSERT INTO "WebhookEvents" ("BatchId", "Position", "TimeMs", "ReceivedMs", "Name", "Channel", "UserId", "EventName", "Data", "SocketId", "SubscriptionCount")
        VALUES ($batch, $position, $time, $received, $name, $channel, $user, $event, $data, $socket, $count)
        """;

    internal const string InsertRejectionSql = """
        INSERT INTO "WebhookRejections" ("ReceivedMs", "RemoteAddress", "FailedCheck", "Reason", "BodySha256", "BodyLength", "Status")
        VALUES ($received, $remote, $check, $reason, $sha, $length, $status)
        """;

    internal const string MoveLogCursorSql = $"""
        UPDATE "AuditChain" SET "LoggedWebhookBatchId" = $id WHERE "Id" = {AuditChainState.SingletonIdText}
        """;

    internal const string LogPositionSql = $"""
        SELECT (SELECT "LoggedWebhookBatchId" FROM "AuditChain" WHERE "Id" = {AuditChainState.SingletonIdText}), (SELECT COALESCE(MAX("Id"), 0) FROM "WebhookBatches")
        """;

    internal const string UnloggedSql = """
        SELECT "Id", "EventCount", "Body" FROM "WebhookBatches" WHERE "Id" > $after ORDER BY "Id"
        """;

    private readonly SqliteStatement _batch;
    private readonly SqliteStatement _event;
    private readonly SqliteStatement _rejection;
    private readonly SqliteStatement _moveLogCursor;
    private readonly SqliteStatement _logPosition;
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;
    private readonly AuditAppender _audit;

    public IngestStatements(SqliteConnection connection, SqliteTransaction transaction)
    {
        _batch = new SqliteStatement(connection, InsertBatchSql, "$received", "$time", "$sha", "$body", "$count");
        _event = new SqliteStatement(connection, InsertEventSql,
            "$batch", "$position", "$time", "$received", "$name", "$channel", "$user", "$event", "$data", "$socket", "$count");
        _rejection = new SqliteStatement(connection, InsertRejectionSql, "$received", "$remote", "$check", "$reason", "$sha", "$length", "$status");
        _moveLogCursor = new SqliteStatement(connection, MoveLogCursorSql, "$id");
        _logPosition = new SqliteStatement(connection, LogPositionSql);
        _connection = connection;
        _transaction = transaction;
        // Locks the chain head, and with it the database, before anything reads the log cursor.
        _audit = new AuditAppender(connection, transaction);
    }

    public void MoveLogCursor(long batchId) => _moveLogCursor.Bind(0, batchId).Execute();

    /// <summary>The newest delivery whose events are logged, and the newest stored.</summary>
    public (long Logged, long Stored) ReadLogPosition() => _logPosition.ExecuteRow();

    /// <summary>Stored deliveries after <paramref name="afterBatchId"/>, oldest first, up to about <paramref name="maxEvents"/> events.</summary>
    public List<(long BatchId, byte[] Body)> ReadUnlogged(long afterBatchId, int maxEvents)
    {
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = _transaction;
        cmd.CommandText = UnloggedSql;
        cmd.Parameters.AddWithValue("$after", afterBatchId);
        using var reader = cmd.ExecuteReader();
        var batches = new List<(long, byte[])>();
        var events = 0;
        while (events < maxEvents && reader.Read())
        {
            batches.Add((reader.GetInt64(0), (byte[])reader.GetValue(2)));
            events += reader.GetInt32(1);
        }
        return batches;
    }

    public AuditEntry InsertAudit(DateTime timeUtc, string kind, Actor actor, string? target, string? data, string? channel, string? eventName, string? outcome) =>
        _audit.Append(timeUtc, kind, actor, target, data, channel, eventName, outcome);

    /// <summary>Seals the audit entries into the chain head; before the commit.</summary>
    public void Complete() => _audit.Complete();

    public (long BatchId, bool Duplicate) InsertBatch(VerifiedDelivery d)
    {
        var (id, duplicates) = _batch.Bind(0, d.ReceivedMs).Bind(1, d.Webhook.TimeMs).Bind(2, d.BodySha256).Bind(3, d.Body).Bind(4, d.Webhook.Events.Count)
            .ExecuteRow();
        return (id, duplicates > 0);
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
}
