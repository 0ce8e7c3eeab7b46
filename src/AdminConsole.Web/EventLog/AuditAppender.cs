using System.Data.Common;
using AdminConsole.Web.Data;
using Microsoft.Data.Sqlite;

namespace AdminConsole.Web.EventLog;

/// <summary>
/// Appends sealed entries with prepared statements on a caller's open transaction, for a writer that does not go
/// through SaveChanges (the webhook single writer inserts thousands of rows per commit). Same rules as
/// <see cref="AuditChain"/>: the head is locked first, and <see cref="Complete"/> must run before the commit.
/// </summary>
public sealed class AuditAppender : IDisposable
{
    internal const string InsertSql = """
        INSERT INTO "AuditEntries" ("Id", "TimeUtc", "Kind", "ActorId", "ActorName", "Channel", "EventName", "Outcome", "Target", "Data", "Hash")
        VALUES ($id, $time, $kind, $actorId, $actorName, $channel, $event, $outcome, $target, $data, $hash)
        """;

    private readonly SqliteStatement _insert;
    private readonly DbTransaction _transaction;
    private readonly List<AuditEntry> _appended = [];
    private readonly ChainHead _head;

    public AuditAppender(SqliteConnection connection, DbTransaction transaction)
    {
        _transaction = transaction;
        _head = AuditChain.LockHead(transaction);
        _insert = new SqliteStatement(connection, InsertSql, "$id", "$time", "$kind", "$actorId", "$actorName", "$channel", "$event", "$outcome", "$target", "$data", "$hash");
    }

    public AuditEntry Append(DateTime timeUtc, string kind, Actor actor, string? target, string? data, string? channel, string? eventName, string? outcome)
    {
        var entry = AuditEntry.Of(timeUtc, kind, actor, target, data, channel, eventName, outcome);
        _head.Seal(entry);
        _insert.Bind(0, entry.Id).Bind(1, entry.TimeUtc).Bind(2, entry.Kind).Bind(3, entry.ActorId).Bind(4, entry.ActorName).Bind(5, entry.Channel)
            .Bind(6, entry.EventName).Bind(7, entry.Outcome).Bind(8, entry.Target).Bind(9, entry.Data).Bind(10, entry.Hash).Execute();
        // Only what the head and the minute counters need is kept: payloads are not held for the whole commit.
        _appended.Add(new AuditEntry { Id = entry.Id, TimeUtc = entry.TimeUtc, Kind = entry.Kind, EventName = entry.EventName, Outcome = entry.Outcome, Hash = entry.Hash });
        return entry;
    }

    /// <summary>Moves the chain head and bumps the activity counters; call once, after the last append, before commit.</summary>
    public void Complete()
    {
        if (_appended.Count > 0)
            AuditChain.WriteHeadAndActivity(_transaction, _head, _appended);
        _appended.Clear();
    }

    public void Dispose() => _insert.Dispose();
}
