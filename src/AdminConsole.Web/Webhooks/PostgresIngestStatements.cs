using System.Data.Common;
using AdminConsole.Channels;
using AdminConsole.Web.EventLog;
using Npgsql;
using NpgsqlTypes;

namespace AdminConsole.Web.Webhooks;

/// <summary>
/// One ingest transaction on PostgreSQL in a handful of round trips whatever its size: the deliveries in one
/// <see cref="NpgsqlBatch"/> (which also reserves the events' ids from their sequence), the events in one
/// multi-row insert of arrays at <see cref="Complete"/>, the audit entries likewise
/// (<see cref="PostgresAuditAppender"/>). A round trip per row, as SQLite's in-process statements can afford, would
/// cost more than the rows themselves.
/// </summary>
internal sealed class PostgresIngestStatements : IIngestStatements
{
    /// <summary>
    /// Whatever the server's default: a 200 means the commit is flushed to disk (and to a synchronous standby if
    /// the server has one). For this transaction only, so the pooled connection is left as it was.
    /// </summary>
    internal const string DurableCommitSql = "SET LOCAL synchronous_commit TO on";

    internal const string ReserveEventIdsSql = """
        SELECT nextval(pg_get_serial_sequence('"WebhookEvents"', 'Id')) FROM generate_series(1, $1)
        """;

    internal const string InsertEventsSql = """
        INSERT INTO "WebhookEvents" ("Id", "BatchId", "Position", "TimeMs", "ReceivedMs", "Name", "Channel", "UserId", "EventName", "Data", "SocketId", "SubscriptionCount")
        SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::integer[], $4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[],
                             $10::text[], $11::text[], $12::bigint[])
        """;

    private readonly NpgsqlTransaction _transaction;
    private readonly AuditAppender _audit;
    private readonly Queue<long> _reservedIds = new();
    private readonly EventRows _events = new();

    public PostgresIngestStatements(NpgsqlTransaction transaction)
    {
        _transaction = transaction;
        using (var durable = new NpgsqlCommand(DurableCommitSql, transaction.Connection, transaction))
            durable.ExecuteNonQuery();
        // Locks the chain-state row, and with it every other writer of any instance, before anything reads the log cursor.
        _audit = new PostgresAuditAppender(transaction);
    }

    public IReadOnlyList<(long BatchId, bool Duplicate)> InsertBatches(IReadOnlyList<VerifiedDelivery> deliveries)
    {
        if (deliveries.Count == 0)
            return [];
        using var batch = new NpgsqlBatch(_transaction.Connection, _transaction);
        var events = 0;
        foreach (var d in deliveries)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(IngestSql.InsertBatchSql)
            {
                Parameters =
                {
                    new NpgsqlParameter<long>("received", d.ReceivedMs),
                    new NpgsqlParameter<long>("time", d.Webhook.TimeMs),
                    new NpgsqlParameter<string>("sha", d.BodySha256),
                    new NpgsqlParameter<byte[]>("body", d.Body),
                    new NpgsqlParameter<int>("count", d.Webhook.Events.Count),
                },
            });
            events += d.Webhook.Events.Count;
        }
        batch.BatchCommands.Add(ReserveIds(events));

        var results = new List<(long, bool)>(deliveries.Count);
        using var reader = batch.ExecuteReader();
        for (var i = 0; i < deliveries.Count; i++)
        {
            if (!reader.Read())
                throw new InvalidOperationException("Storing a delivery returned no row.");
            results.Add((reader.GetInt64(0), reader.GetInt32(1) > 0));
            reader.NextResult();
        }
        while (reader.Read())
            _reservedIds.Enqueue(reader.GetInt64(0));
        return results;
    }

    private static NpgsqlBatchCommand ReserveIds(int count) =>
        new(ReserveEventIdsSql) { Parameters = { new NpgsqlParameter<int> { TypedValue = count } } };

    public long InsertEvent(long batchId, int position, VerifiedDelivery d, WebhookEvent e)
    {
        if (!_reservedIds.TryDequeue(out var id))
        {
            // Not reached by the writer (InsertBatches reserves an id for every event it stores); kept correct anyway.
            using var more = new NpgsqlBatch(_transaction.Connection, _transaction) { BatchCommands = { ReserveIds(1) } };
            id = (long)more.ExecuteScalar()!;
        }
        _events.Add(id, batchId, position, d, e);
        return id;
    }

    public void InsertRejection(RejectedDelivery r)
    {
        using var cmd = new NpgsqlCommand(IngestSql.InsertRejectionSql, _transaction.Connection, _transaction)
        {
            Parameters =
            {
                new NpgsqlParameter<long>("received", r.ReceivedMs),
                new NpgsqlParameter("remote", NpgsqlDbType.Text) { Value = (object?)r.RemoteAddress ?? DBNull.Value },
                new NpgsqlParameter<string>("check", r.FailedCheck),
                new NpgsqlParameter<string>("reason", r.Reason),
                new NpgsqlParameter("sha", NpgsqlDbType.Text) { Value = (object?)r.BodySha256 ?? DBNull.Value },
                new NpgsqlParameter<long>("length", r.BodyLength),
                new NpgsqlParameter<int>("status", r.Status),
            },
        };
        cmd.ExecuteNonQuery();
    }

    public AuditEntry InsertAudit(DateTime timeUtc, string kind, Actor actor, string? target, string? data, string? channel, string? eventName, string? outcome) =>
        _audit.Append(timeUtc, kind, actor, target, data, channel, eventName, outcome);

    public void MoveLogCursor(long batchId)
    {
        using var cmd = new NpgsqlCommand(IngestSql.MoveLogCursorSql, _transaction.Connection, _transaction) { Parameters = { new NpgsqlParameter<long>("id", batchId) } };
        cmd.ExecuteNonQuery();
    }

    public (long Logged, long Stored) ReadLogPosition()
    {
        using var cmd = new NpgsqlCommand(IngestSql.LogPositionSql, _transaction.Connection, _transaction);
        using var reader = cmd.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    public List<(long BatchId, byte[] Body)> ReadUnlogged(long afterBatchId, int maxEvents) =>
        IngestSql.ReadUnlogged(_transaction, afterBatchId, maxEvents);

    public void Complete()
    {
        if (_events.Count > 0)
        {
            using var cmd = _events.Command(_transaction);
            cmd.ExecuteNonQuery();
            _events.Clear();
        }
        _audit.Complete();
    }

    public void Dispose() => _audit.Dispose();

    internal sealed class Store : IIngestStore
    {
        public IIngestStatements Open(DbTransaction transaction) => new PostgresIngestStatements((NpgsqlTransaction)transaction);

        public void PrepareConnection(DbConnection connection)
        {
        }
    }

    /// <summary>The buffered events, column by column, as the arrays <see cref="InsertEventsSql"/> unnests.</summary>
    private sealed class EventRows
    {
        private readonly List<long> _id = [], _batch = [], _time = [], _received = [];
        private readonly List<int> _position = [];
        private readonly List<string> _name = [];
        private readonly List<string?> _channel = [], _user = [], _event = [], _data = [], _socket = [];
        private readonly List<long?> _count = [];

        public int Count => _id.Count;

        public void Add(long id, long batchId, int position, VerifiedDelivery d, WebhookEvent e)
        {
            _id.Add(id);
            _batch.Add(batchId);
            _position.Add(position);
            _time.Add(d.Webhook.TimeMs);
            _received.Add(d.ReceivedMs);
            // PostgreSQL text cannot hold a lone UTF-16 surrogate (a JSON escape can carry one): stored as U+FFFD,
            // as the event log seals it.
            _name.Add(AuditChain.WellFormed(e.Name)!);
            _channel.Add(AuditChain.WellFormed(e.Channel));
            _user.Add(AuditChain.WellFormed(e.UserId));
            _event.Add(AuditChain.WellFormed(e.Event));
            _data.Add(AuditChain.WellFormed(e.Data));
            _socket.Add(AuditChain.WellFormed(e.SocketId));
            _count.Add(e.SubscriptionCount);
        }

        public NpgsqlCommand Command(NpgsqlTransaction tx) => new(InsertEventsSql, tx.Connection, tx)
        {
            Parameters =
            {
                new NpgsqlParameter<long[]> { TypedValue = [.. _id] },
                new NpgsqlParameter<long[]> { TypedValue = [.. _batch] },
                new NpgsqlParameter<int[]> { TypedValue = [.. _position] },
                new NpgsqlParameter<long[]> { TypedValue = [.. _time] },
                new NpgsqlParameter<long[]> { TypedValue = [.. _received] },
                new NpgsqlParameter<string[]> { TypedValue = [.. _name] },
                Text(_channel),
                Text(_user),
                Text(_event),
                Text(_data),
                Text(_socket),
                new NpgsqlParameter<long?[]> { TypedValue = [.. _count] },
            },
        };

        private static NpgsqlParameter<string?[]> Text(List<string?> values) =>
            new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, TypedValue = [.. values] };

        public void Clear()
        {
            _id.Clear(); _batch.Clear(); _time.Clear(); _received.Clear(); _position.Clear(); _name.Clear();
            _channel.Clear(); _user.Clear(); _event.Clear(); _data.Clear(); _socket.Clear(); _count.Clear();
        }
    }
}
