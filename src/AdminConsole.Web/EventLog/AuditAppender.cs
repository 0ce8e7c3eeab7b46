using System.Data.Common;
using AdminConsole.Web.Data;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace AdminConsole.Web.EventLog;

/// <summary>
/// Appends sealed entries on a caller's open transaction, for a writer that does not go through SaveChanges (the
/// webhook single writer inserts thousands of rows per commit). Same rules as <see cref="AuditChain"/>: the head is
/// locked first (on PostgreSQL the chain-state row lock serializes every instance's appends), and
/// <see cref="Complete"/> must run before the commit. One implementation per provider
/// (<see cref="IAuditAppenders"/>).
/// </summary>
public abstract class AuditAppender : IDisposable
{
    private protected DbTransaction Transaction { get; }
    private readonly List<AuditEntry> _appended = [];
    private readonly ChainHead _head;

    private protected AuditAppender(DbTransaction transaction)
    {
        Transaction = transaction;
        _head = AuditChain.LockHead(transaction);
    }

    public AuditEntry Append(DateTime timeUtc, string kind, Actor actor, string? target, string? data, string? channel, string? eventName, string? outcome)
    {
        var entry = AuditEntry.Of(timeUtc, kind, actor, target, data, channel, eventName, outcome);
        _head.Seal(entry);
        Insert(entry);
        // Only what the head and the minute counters need is kept: payloads are not held for the whole commit.
        _appended.Add(new AuditEntry { Id = entry.Id, TimeUtc = entry.TimeUtc, Kind = entry.Kind, EventName = entry.EventName, Outcome = entry.Outcome, Hash = entry.Hash });
        return entry;
    }

    private protected abstract void Insert(AuditEntry sealedEntry);

    /// <summary>Writes what <see cref="Insert"/> buffered; before the head moves.</summary>
    private protected virtual void Flush()
    {
    }

    /// <summary>Moves the chain head and bumps the activity counters; call once, after the last append, before commit.</summary>
    public void Complete()
    {
        Flush();
        if (_appended.Count > 0)
            AuditChain.WriteHeadAndActivity(Transaction, _head, _appended);
        _appended.Clear();
    }

    public virtual void Dispose()
    {
    }
}

/// <summary>Opens the configured provider's <see cref="AuditAppender"/> (registered per provider by AddEventLog).</summary>
public interface IAuditAppenders
{
    AuditAppender Open(DbTransaction transaction);
}

/// <summary>One prepared insert per entry, bound by position (<see cref="SqliteStatement"/>).</summary>
public sealed class SqliteAuditAppender : AuditAppender
{
    internal const string InsertSql = """
        INSERT INTO "AuditEntries" ("Id", "TimeUtc", "Kind", "ActorId", "ActorName", "Channel", "EventName", "Outcome", "Target", "Data", "Hash")
        VALUES ($id, $time, $kind, $actorId, $actorName, $channel, $event, $outcome, $target, $data, $hash)
        """;

    private readonly SqliteStatement _insert;

    public SqliteAuditAppender(DbTransaction transaction) : base(transaction)
    {
        _insert = new SqliteStatement((SqliteConnection)transaction.Connection!, InsertSql,
            "$id", "$time", "$kind", "$actorId", "$actorName", "$channel", "$event", "$outcome", "$target", "$data", "$hash");
    }

    private protected override void Insert(AuditEntry entry) =>
        _insert.Bind(0, entry.Id).Bind(1, entry.TimeUtc).Bind(2, entry.Kind).Bind(3, entry.ActorId).Bind(4, entry.ActorName).Bind(5, entry.Channel)
            .Bind(6, entry.EventName).Bind(7, entry.Outcome).Bind(8, entry.Target).Bind(9, entry.Data).Bind(10, entry.Hash).Execute();

    public override void Dispose() => _insert.Dispose();

    internal sealed class Factory : IAuditAppenders
    {
        public AuditAppender Open(DbTransaction transaction) => new SqliteAuditAppender(transaction);
    }
}

/// <summary>
/// Buffers the entries and writes them with one statement at <see cref="AuditAppender.Complete"/>: a server round
/// trip per entry would cost more than everything else the writer does per event.
/// </summary>
public sealed class PostgresAuditAppender(DbTransaction transaction) : AuditAppender(transaction)
{
    internal const string InsertManySql = """
        INSERT INTO "AuditEntries" ("Id", "TimeUtc", "Kind", "ActorId", "ActorName", "Channel", "EventName", "Outcome", "Target", "Data", "Hash")
        SELECT * FROM unnest(@id::bigint[], @time::timestamptz[], @kind::text[], @actorId::text[], @actorName::text[], @channel::text[],
                             @event::text[], @outcome::text[], @target::text[], @data::text[], @hash::bytea[])
        """;

    private readonly AuditRows _rows = new();

    private protected override void Insert(AuditEntry entry) => _rows.Add(entry);

    private protected override void Flush()
    {
        if (_rows.Count == 0)
            return;
        using var cmd = _rows.Command((NpgsqlTransaction)Transaction);
        cmd.ExecuteNonQuery();
        _rows.Clear();
    }

    internal sealed class Factory : IAuditAppenders
    {
        public AuditAppender Open(DbTransaction transaction) => new PostgresAuditAppender(transaction);
    }

    /// <summary>The buffered entries, column by column, as the arrays <see cref="InsertManySql"/> unnests.</summary>
    private sealed class AuditRows
    {
        private readonly List<long> _id = [];
        private readonly List<DateTime> _time = [];
        private readonly List<string?> _kind = [], _actorId = [], _actorName = [], _channel = [], _event = [], _outcome = [], _target = [], _data = [];
        private readonly List<byte[]> _hash = [];

        public int Count => _id.Count;

        public void Add(AuditEntry e)
        {
            _id.Add(e.Id);
            _time.Add(DateTime.SpecifyKind(e.TimeUtc, DateTimeKind.Utc));
            _kind.Add(e.Kind);
            _actorId.Add(e.ActorId);
            _actorName.Add(e.ActorName);
            _channel.Add(e.Channel);
            _event.Add(e.EventName);
            _outcome.Add(e.Outcome);
            _target.Add(e.Target);
            _data.Add(e.Data);
            _hash.Add(e.Hash);
        }

        public NpgsqlCommand Command(NpgsqlTransaction tx)
        {
            var cmd = new NpgsqlCommand(InsertManySql, tx.Connection, tx);
            cmd.Parameters.Add(new NpgsqlParameter<long[]>("id", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = [.. _id] });
            cmd.Parameters.Add(new NpgsqlParameter<DateTime[]>("time", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { TypedValue = [.. _time] });
            cmd.Parameters.Add(Text("kind", _kind));
            cmd.Parameters.Add(Text("actorId", _actorId));
            cmd.Parameters.Add(Text("actorName", _actorName));
            cmd.Parameters.Add(Text("channel", _channel));
            cmd.Parameters.Add(Text("event", _event));
            cmd.Parameters.Add(Text("outcome", _outcome));
            cmd.Parameters.Add(Text("target", _target));
            cmd.Parameters.Add(Text("data", _data));
            cmd.Parameters.Add(new NpgsqlParameter<byte[][]>("hash", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { TypedValue = [.. _hash] });
            return cmd;
        }

        public void Clear()
        {
            foreach (var list in new System.Collections.IList[] { _id, _time, _kind, _actorId, _actorName, _channel, _event, _outcome, _target, _data, _hash })
                list.Clear();
        }

        private static NpgsqlParameter<string?[]> Text(string name, List<string?> values) =>
            new(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. values] };
    }
}
