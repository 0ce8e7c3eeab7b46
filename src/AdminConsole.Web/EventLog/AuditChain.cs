using System.Buffers;
using System.Buffers.Binary;
using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using AdminConsole.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace AdminConsole.Web.EventLog;

/// <summary>
/// The single row that anchors the hash chain: the newest sealed entry (head) and, after retention, the last
/// purged entry (checkpoint) so that a purged prefix does not break verification.
/// </summary>
public class AuditChainState
{
    public const int SingletonId = 1;

    public int Id { get; set; } = SingletonId;
    public long HeadId { get; set; }
    public byte[] HeadHash { get; set; } = AuditChain.Genesis;
    public long CheckpointId { get; set; }
    public byte[] CheckpointHash { get; set; } = AuditChain.Genesis;
}

/// <summary>
/// Seals audit entries into a hash chain as they are saved: each entry gets the next Id after the head and
/// Hash = SHA-256(previous hash ‖ canonical form), and the per-minute activity counters are bumped, all in the
/// transaction that saves the entries.
/// </summary>
/// <remarks>
/// Why inline rather than a background sealer: an entry is never visible unsealed, and verification never has
/// to explain a window of unprotected rows. Why it is correct with concurrent writers (the webhook consumer,
/// page requests, the purger, a CLI in another process): the first statement is a write to the chain-state row,
/// so the transaction holds the database's write lock (SQLite has one writer; PostgreSQL would lock the row)
/// before it reads the head, and keeps it until commit. No two transactions can read the same head, so Ids are
/// contiguous and every hash links to the committed previous one. No process-wide lock is needed, and none
/// could cover a second process anyway. A rolled-back save rolls back the head with it.
/// </remarks>
public static class AuditChain
{
    /// <summary>The "previous hash" of the very first entry.</summary>
    public static readonly byte[] Genesis = new byte[32];

    /// <summary>Bumped only if the canonical form ever changes, so old chains stay verifiable.</summary>
    private const byte CanonicalVersion = 1;

    internal static async Task<int> SaveAsync(AppDbContext db, Func<CancellationToken, Task<int>> save, CancellationToken ct)
    {
        var added = AddedEntries(db);
        if (added.Count == 0)
            return await save(ct);

        await using var owned = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        var tx = db.Database.CurrentTransaction!.GetDbTransaction();
        await using (var read = HeadCommand(tx))
        await using (var reader = await read.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
                throw new InvalidOperationException("The audit chain state row is missing; was the Initial migration applied?");
            Link(added, reader.GetInt64(0), (byte[])reader.GetValue(1));
        }
        foreach (var cmd in WriteCommands(tx, added))
            await using (cmd)
                await cmd.ExecuteNonQueryAsync(ct);

        var count = await save(ct);
        if (owned is not null)
            await owned.CommitAsync(ct);
        return count;
    }

    internal static int Save(AppDbContext db, Func<int> save)
    {
        var added = AddedEntries(db);
        if (added.Count == 0)
            return save();

        using var owned = db.Database.CurrentTransaction is null ? db.Database.BeginTransaction() : null;
        var tx = db.Database.CurrentTransaction!.GetDbTransaction();
        using (var read = HeadCommand(tx))
        using (var reader = read.ExecuteReader())
        {
            if (!reader.Read())
                throw new InvalidOperationException("The audit chain state row is missing; was the Initial migration applied?");
            Link(added, reader.GetInt64(0), (byte[])reader.GetValue(1));
        }
        foreach (var cmd in WriteCommands(tx, added))
            using (cmd)
                cmd.ExecuteNonQuery();

        var count = save();
        owned?.Commit();
        return count;
    }

    /// <summary>
    /// The same sealing as <see cref="SaveAsync"/> for entries a writer stores without EF (the webhook writer
    /// writes one entry per event, thousands a second, and EF's change tracking was most of its cost): head
    /// locked and read, entries linked, inserted with one prepared statement, head and minute counters written,
    /// all in the caller's transaction.
    /// </summary>
    internal static void Append(DbTransaction tx, List<AuditEntry> entries)
    {
        if (entries.Count == 0)
            return;
        using (var read = HeadCommand(tx))
        using (var reader = read.ExecuteReader())
        {
            if (!reader.Read())
                throw new InvalidOperationException("The audit chain state row is missing; was the Initial migration applied?");
            Link(entries, reader.GetInt64(0), (byte[])reader.GetValue(1));
        }
        using (var insert = tx.Connection!.CreateCommand())
        {
            insert.Transaction = tx;
            insert.CommandText = """
                INSERT INTO "AuditEntries" ("Id", "TimeUtc", "Kind", "ActorId", "ActorName", "Channel", "EventName", "Outcome", "Target", "Data", "Hash")
                VALUES ($id, $time, $kind, $actorId, $actorName, $channel, $event, $outcome, $target, $data, $hash)
                """;
            string[] names = ["$id", "$time", "$kind", "$actorId", "$actorName", "$channel", "$event", "$outcome", "$target", "$data", "$hash"];
            foreach (var name in names)
            {
                var p = insert.CreateParameter();
                p.ParameterName = name;
                insert.Parameters.Add(p);
            }
            insert.Prepare();
            foreach (var e in entries)
            {
                object?[] values = [e.Id, e.TimeUtc, e.Kind, e.ActorId, e.ActorName, e.Channel, e.EventName, e.Outcome, e.Target, e.Data, e.Hash];
                for (var i = 0; i < values.Length; i++)
                    insert.Parameters[i].Value = values[i] ?? DBNull.Value;
                insert.ExecuteNonQuery();
            }
        }
        foreach (var cmd in WriteCommands(tx, entries))
            using (cmd)
                cmd.ExecuteNonQuery();
    }

    private static List<AuditEntry> AddedEntries(AppDbContext db) =>
        db.ChangeTracker.Entries<AuditEntry>().Where(e => e.State == EntityState.Added).Select(e => e.Entity).ToList();

    /// <summary>A write first, so the transaction owns the write lock before it reads the head (see remarks).</summary>
    internal static DbCommand HeadCommand(DbTransaction tx)
    {
        var cmd = tx.Connection!.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = $"UPDATE \"AuditChain\" SET \"HeadId\" = \"HeadId\" WHERE \"Id\" = {AuditChainState.SingletonId} RETURNING \"HeadId\", \"HeadHash\"";
        return cmd;
    }

    private static void Link(List<AuditEntry> added, long headId, byte[] headHash)
    {
        var prev = headHash;
        var id = headId;
        foreach (var entry in added)
        {
            entry.Id = ++id;
            entry.Hash = ComputeHash(prev, entry);
            prev = entry.Hash;
        }
    }

    internal static IEnumerable<DbCommand> WriteCommands(DbTransaction tx, List<AuditEntry> added)
    {
        var last = added[^1];
        var head = tx.Connection!.CreateCommand();
        head.Transaction = tx;
        head.CommandText = $"UPDATE \"AuditChain\" SET \"HeadId\" = $id, \"HeadHash\" = $hash WHERE \"Id\" = {AuditChainState.SingletonId}";
        AddParameter(head, "$id", last.Id);
        AddParameter(head, "$hash", last.Hash);
        yield return head;

        foreach (var (minute, kind, delta) in ActivityMinute.Deltas(added))
        {
            var bump = tx.Connection!.CreateCommand();
            bump.Transaction = tx;
            bump.CommandText = """
                INSERT INTO "ActivityMinutes" ("StartUnixMs", "Kind", "Count") VALUES ($m, $k, $c)
                ON CONFLICT ("StartUnixMs", "Kind") DO UPDATE SET "Count" = "Count" + excluded."Count"
                """;
            AddParameter(bump, "$m", minute);
            AddParameter(bump, "$k", kind);
            AddParameter(bump, "$c", delta);
            yield return bump;
        }
    }

    private static void AddParameter(DbCommand cmd, string name, object value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        cmd.Parameters.Add(p);
    }

    /// <summary>
    /// SHA-256(previous hash ‖ canonical form). The canonical form is binary and length-prefixed (a null field is
    /// length -1), so no choice of field contents can make two different entries serialize alike. It includes the
    /// Id, so moving an entry to another position changes its hash.
    /// </summary>
    public static byte[] ComputeHash(ReadOnlySpan<byte> previousHash, AuditEntry e)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + (e.Data?.Length ?? 0) * 3);
        buffer.Write([CanonicalVersion]);
        WriteInt64(buffer, e.Id);
        WriteInt64(buffer, e.TimeUtc.Ticks);
        WriteString(buffer, e.Kind);
        WriteString(buffer, e.ActorId);
        WriteString(buffer, e.ActorName);
        WriteString(buffer, e.Channel);
        WriteString(buffer, e.EventName);
        WriteString(buffer, e.Outcome);
        WriteString(buffer, e.Target);
        WriteString(buffer, e.Data);

        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(previousHash);
        sha.AppendData(buffer.WrittenSpan);
        return sha.GetHashAndReset();
    }

    private static void WriteInt64(ArrayBufferWriter<byte> buffer, long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(buffer.GetSpan(8), value);
        buffer.Advance(8);
    }

    private static void WriteString(ArrayBufferWriter<byte> buffer, string? value)
    {
        if (value is null)
        {
            BinaryPrimitives.WriteInt32BigEndian(buffer.GetSpan(4), -1);
            buffer.Advance(4);
            return;
        }
        var length = Encoding.UTF8.GetByteCount(value);
        BinaryPrimitives.WriteInt32BigEndian(buffer.GetSpan(4), length);
        buffer.Advance(4);
        Encoding.UTF8.GetBytes(value, buffer.GetSpan(length));
        buffer.Advance(length);
    }
}

/// <summary>
/// Seals audit entries that a raw-SQL writer inserts itself (the webhook ingestor, whose prepared statements are
/// what let it keep up with Pusher's bursts). Same chain, same rules as <see cref="AuditChain"/>: opening it takes
/// the write lock and reads the head; <see cref="Complete"/> moves the head and bumps the activity counters, in the
/// writer's transaction.
/// </summary>
internal sealed class RawAuditAppender : IDisposable
{
    private readonly DbTransaction _tx;
    private readonly DbCommand _insert;
    private readonly List<AuditEntry> _added = [];
    private long _headId;
    private byte[] _headHash;

    public RawAuditAppender(DbTransaction tx)
    {
        _tx = tx;
        using (var read = AuditChain.HeadCommand(tx))
        using (var reader = read.ExecuteReader())
        {
            if (!reader.Read())
                throw new InvalidOperationException("The audit chain state row is missing; was the Initial migration applied?");
            _headId = reader.GetInt64(0);
            _headHash = (byte[])reader.GetValue(1);
        }
        _insert = tx.Connection!.CreateCommand();
        _insert.Transaction = tx;
        _insert.CommandText = """
            INSERT INTO AuditEntries (Id, TimeUtc, Kind, ActorId, ActorName, Channel, EventName, Outcome, Target, Data, Hash)
            VALUES ($id, $time, $kind, $actorId, $actorName, $channel, $event, $outcome, $target, $data, $hash)
            """;
        foreach (var name in new[] { "$id", "$time", "$kind", "$actorId", "$actorName", "$channel", "$event", "$outcome", "$target", "$data", "$hash" })
        {
            var p = _insert.CreateParameter();
            p.ParameterName = name;
            _insert.Parameters.Add(p);
        }
        _insert.Prepare();
    }

    public AuditEntry Append(AuditEntry entry)
    {
        entry.Id = ++_headId;
        entry.Hash = AuditChain.ComputeHash(_headHash, entry);
        _headHash = entry.Hash;
        object?[] values = [entry.Id, entry.TimeUtc, entry.Kind, entry.ActorId, entry.ActorName, entry.Channel, entry.EventName, entry.Outcome, entry.Target, entry.Data, entry.Hash];
        for (var i = 0; i < values.Length; i++)
            _insert.Parameters[i].Value = values[i] ?? DBNull.Value;
        _insert.ExecuteNonQuery();
        _added.Add(entry);
        return entry;
    }

    /// <summary>Moves the chain head and the per-minute counters; call once, before the commit.</summary>
    public void Complete()
    {
        if (_added.Count == 0)
            return;
        foreach (var cmd in AuditChain.WriteCommands(_tx, _added))
            using (cmd)
                cmd.ExecuteNonQuery();
        _added.Clear();
    }

    public void Dispose() => _insert.Dispose();
}

