using System.Data.Common;
using AdminConsole.Channels;
using AdminConsole.Web.EventLog;

namespace AdminConsole.Web.Webhooks;

/// <summary>
/// The writes of one ingest transaction, on the configured provider (<see cref="IIngestStore"/>): SQLite runs each
/// at once through prepared statements, PostgreSQL batches them into a few round trips per commit. Opening one
/// locks the audit chain's head, and with it every other writer, before anything reads the log cursor.
/// </summary>
public interface IIngestStatements : IDisposable
{
    /// <summary>Stores the deliveries (a repeated body counts as a duplicate of the first); results in order.</summary>
    IReadOnlyList<(long BatchId, bool Duplicate)> InsertBatches(IReadOnlyList<VerifiedDelivery> deliveries);

    /// <summary>Stores one event of a stored delivery; returns its id.</summary>
    long InsertEvent(long batchId, int position, VerifiedDelivery d, WebhookEvent e);

    void InsertRejection(RejectedDelivery r);

    AuditEntry InsertAudit(DateTime timeUtc, string kind, Actor actor, string? target, string? data, string? channel, string? eventName, string? outcome);

    void MoveLogCursor(long batchId);

    /// <summary>The newest delivery whose events are logged, and the newest stored.</summary>
    (long Logged, long Stored) ReadLogPosition();

    /// <summary>Stored deliveries after <paramref name="afterBatchId"/>, oldest first, up to about <paramref name="maxEvents"/> events.</summary>
    List<(long BatchId, byte[] Body)> ReadUnlogged(long afterBatchId, int maxEvents);

    /// <summary>Writes what is buffered and seals the audit entries into the chain head; before the commit.</summary>
    void Complete();
}

/// <summary>Opens <see cref="IIngestStatements"/> on the writer's transaction; one implementation per provider.</summary>
public interface IIngestStore
{
    IIngestStatements Open(DbTransaction transaction);

    /// <summary>
    /// Sets the writer's connection up for its commits before the transaction begins (SQLite: fsync at every
    /// commit, so a 200 survives power loss).
    /// </summary>
    void PrepareConnection(DbConnection connection);
}

/// <summary>The statements both providers run as they are (named parameters with @, quoted names).</summary>
internal static class IngestSql
{
    // Hand-written SQL is in `const string …Sql` fields: a test prepares every one against the migrated schema.

    /// <summary>
    /// A repeated body (Pusher retries) conflicts on its time_ms and hash (the same body has the same time_ms): count
    /// it and report the first delivery's id.
    /// </summary>
    internal const string InsertBatchSql = """
        INSERT INTO "WebhookBatches" ("ReceivedMs", "TimeMs", "BodySha256", "Body", "EventCount", "DuplicateCount", "LastDuplicateMs")
        VALUES (@received, @time, @sha, @body, @count, 0, NULL)
        ON CONFLICT ("TimeMs", "BodySha256") DO UPDATE SET "DuplicateCount" = "WebhookBatches"."DuplicateCount" + 1, "LastDuplicateMs" = excluded."ReceivedMs"
        RETURNING "Id", "DuplicateCount"
        """;

    internal const string InsertRejectionSql = """
        INSERT INTO "WebhookRejections" ("ReceivedMs", "RemoteAddress", "FailedCheck", "Reason", "BodySha256", "BodyLength", "Status")
        VALUES (@received, @remote, @check, @reason, @sha, @length, @status)
        """;

    internal const string MoveLogCursorSql = $"""
        UPDATE "AuditChain" SET "LoggedWebhookBatchId" = @id WHERE "Id" = {AuditChainState.SingletonIdText}
        """;

    internal const string LogPositionSql = $"""
        SELECT (SELECT "LoggedWebhookBatchId" FROM "AuditChain" WHERE "Id" = {AuditChainState.SingletonIdText}), (SELECT COALESCE(MAX("Id"), 0) FROM "WebhookBatches")
        """;

    internal const string UnloggedSql = """
        SELECT "Id", "EventCount", "Body" FROM "WebhookBatches" WHERE "Id" > @after ORDER BY "Id"
        """;

    /// <summary>Reads stored deliveries for the log's catch-up (not the hot path: plain ADO.NET on either provider).</summary>
    internal static List<(long BatchId, byte[] Body)> ReadUnlogged(DbTransaction transaction, long afterBatchId, int maxEvents)
    {
        using var cmd = transaction.Connection!.CreateCommand();
        cmd.Transaction = transaction;
        cmd.CommandText = UnloggedSql;
        var after = cmd.CreateParameter();
        after.ParameterName = "@after";
        after.Value = afterBatchId;
        cmd.Parameters.Add(after);
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
}
