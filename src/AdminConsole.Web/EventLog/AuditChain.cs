using System.Buffers;
using System.Buffers.Binary;
using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using AdminConsole.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Data.Sqlite;
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

    /// <summary>The latest TimeUtc sealed so far (ticks).</summary>
    public long MaxTimeTicks { get; set; }

    /// <summary>
    /// How far, at most, an entry's TimeUtc has lagged behind an earlier entry's (ticks). Times are stamped when an
    /// entry is added and Ids when it is saved, so Id order is time order only up to this skew (milliseconds in
    /// practice, more after an import). For Ids i &lt; k it guarantees time(i) &lt;= time(k) + skew, which lets the log
    /// turn a time range into exact Id bounds with two index seeks (<see cref="EventLogQuery"/>).
    /// </summary>
    public long MaxSkewTicks { get; set; }

    /// <summary>
    /// The newest webhook delivery whose events are in the log. Under load the webhook writer acknowledges deliveries
    /// before logging them (Webhooks/WebhookIngestor.cs) and logs everything after this id once the load drops; moved
    /// in the transaction that appends the entries, so a crash neither loses nor repeats any.
    /// </summary>
    public long LoggedWebhookBatchId { get; set; }
}

/// <summary>The chain head while a transaction appends to it.</summary>
internal sealed class ChainHead
{
    public long Id;
    public byte[] Hash = AuditChain.Genesis;
    public long MaxTimeTicks;
    public long MaxSkewTicks;

    public static ChainHead From(DbDataReader r) => new()
    {
        Id = r.GetInt64(0),
        Hash = (byte[])r.GetValue(1),
        MaxTimeTicks = r.GetInt64(2),
        MaxSkewTicks = r.GetInt64(3),
    };

    /// <summary>Gives the entry the next Id and its hash, linked to the previous entry.</summary>
    public void Seal(AuditEntry entry)
    {
        entry.Id = ++Id;
        entry.Hash = AuditChain.ComputeHash(Hash, entry);
        Hash = entry.Hash;
        var ticks = entry.TimeUtc.Ticks;
        if (ticks < MaxTimeTicks)
            MaxSkewTicks = Math.Max(MaxSkewTicks, MaxTimeTicks - ticks);
        else
            MaxTimeTicks = ticks;
    }
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
        var head = await LockHeadAsync(tx, ct);
        foreach (var entry in added)
            head.Seal(entry);
        foreach (var cmd in WriteCommands(tx, head, added))
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
        var head = LockHead(tx);
        foreach (var entry in added)
            head.Seal(entry);
        WriteHeadAndActivity(tx, head, added);

        var count = save();
        owned?.Commit();
        return count;
    }

    /// <summary>Reads the head under the write lock (see remarks); the transaction must not have committed.</summary>
    internal static ChainHead LockHead(DbTransaction tx)
    {
        using var read = HeadCommand(tx);
        using var reader = read.ExecuteReader();
        return reader.Read() ? ChainHead.From(reader) : throw MissingState();
    }

    private static async Task<ChainHead> LockHeadAsync(DbTransaction tx, CancellationToken ct)
    {
        await using var read = HeadCommand(tx);
        await using var reader = await read.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ChainHead.From(reader) : throw MissingState();
    }

    private static InvalidOperationException MissingState() =>
        new("The audit chain state row is missing; was the Initial migration applied?");

    /// <summary>Moves the head past <paramref name="appended"/> and bumps the activity counters.</summary>
    internal static void WriteHeadAndActivity(DbTransaction tx, ChainHead head, List<AuditEntry> appended)
    {
        foreach (var cmd in WriteCommands(tx, head, appended))
            using (cmd)
                cmd.ExecuteNonQuery();
    }

    private static List<AuditEntry> AddedEntries(AppDbContext db) =>
        db.ChangeTracker.Entries<AuditEntry>().Where(e => e.State == EntityState.Added).Select(e => e.Entity).ToList();

    /// <summary>A write first, so the transaction owns the write lock before it reads the head (see remarks).</summary>
    private static DbCommand HeadCommand(DbTransaction tx)
    {
        var cmd = tx.Connection!.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = $"UPDATE \"AuditChain\" SET \"HeadId\" = \"HeadId\" WHERE \"Id\" = {AuditChainState.SingletonId} RETURNING \"HeadId\", \"HeadHash\", \"MaxTimeTicks\", \"MaxSkewTicks\"";
        return cmd;
    }

    private static IEnumerable<DbCommand> WriteCommands(DbTransaction tx, ChainHead head, List<AuditEntry> added)
    {
        var update = tx.Connection!.CreateCommand();
        update.Transaction = tx;
        update.CommandText = $"UPDATE \"AuditChain\" SET \"HeadId\" = $id, \"HeadHash\" = $hash, \"MaxTimeTicks\" = $max, \"MaxSkewTicks\" = $skew WHERE \"Id\" = {AuditChainState.SingletonId}";
        AddParameter(update, "$id", head.Id);
        AddParameter(update, "$hash", head.Hash);
        AddParameter(update, "$max", head.MaxTimeTicks);
        AddParameter(update, "$skew", head.MaxSkewTicks);
        yield return update;

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
/// Appends sealed entries with prepared statements on a caller's open transaction, for a writer that does not go
/// through SaveChanges (the webhook single writer inserts thousands of rows per commit). Same rules as
/// <see cref="AuditChain"/>: the head is locked first, and <see cref="Complete"/> must run before the commit.
/// </summary>
public sealed class AuditAppender : IDisposable
{
    private readonly SqliteStatement _insert;
    private readonly DbTransaction _transaction;
    private readonly List<AuditEntry> _appended = [];
    private readonly ChainHead _head;

    public AuditAppender(SqliteConnection connection, DbTransaction transaction)
    {
        _transaction = transaction;
        _head = AuditChain.LockHead(transaction);
        _insert = new SqliteStatement(connection, """
            INSERT INTO "AuditEntries" ("Id", "TimeUtc", "Kind", "ActorId", "ActorName", "Channel", "EventName", "Outcome", "Target", "Data", "Hash")
            VALUES ($id, $time, $kind, $actorId, $actorName, $channel, $event, $outcome, $target, $data, $hash)
            """, "$id", "$time", "$kind", "$actorId", "$actorName", "$channel", "$event", "$outcome", "$target", "$data", "$hash");
    }

    public AuditEntry Append(DateTime timeUtc, string kind, Actor actor, string? target, string? data, string? channel, string? eventName, string? outcome)
    {
        var entry = new AuditEntry
        {
            TimeUtc = timeUtc,
            Kind = kind,
            ActorId = actor.Id,
            ActorName = actor.Name,
            Channel = channel,
            EventName = eventName,
            Outcome = outcome,
            Target = target,
            Data = data,
        };
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
