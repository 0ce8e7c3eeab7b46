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
/// Seals audit entries into a hash chain as they are saved: each entry gets the next Id after the head and
/// Hash = SHA-256(previous hash ‖ canonical form), and the per-minute activity counters are bumped, all in the
/// transaction that saves the entries.
/// </summary>
/// <remarks>
/// Why inline rather than a background sealer: an entry is never visible unsealed, and verification never has
/// to explain a window of unprotected rows. Why it is correct with concurrent writers (the webhook consumer,
/// page requests, the purger, a CLI in another process): the first statement is a write to the chain-state row,
/// so the transaction holds the database's write lock (SQLite has one writer; on PostgreSQL the UPDATE locks the
/// row, and a second instance's UPDATE waits for the commit and then returns the head that commit wrote) before it
/// reads the head, and keeps it until commit. No two transactions can read the same head, so Ids are
/// contiguous and every hash links to the committed previous one, across instances. No process-wide lock is
/// needed, and none could cover a second process anyway. The SQL here is the same on both providers (named
/// parameters with @, qualified names in the upsert). A rolled-back save rolls back the head with it.
/// </remarks>
public static class AuditChain
{
    /// <summary>The "previous hash" of the very first entry.</summary>
    public static readonly byte[] Genesis = new byte[32];

    /// <summary>Bumped only if the canonical form ever changes, so old chains stay verifiable.</summary>
    private const byte CanonicalVersion = 1;

    internal static Task<int> SaveAsync(AppDbContext db, Func<CancellationToken, Task<int>> save, CancellationToken ct) =>
        SaveCore(db, save, async: true, ct).AsTask();

    internal static int Save(AppDbContext db, Func<int> save) =>
        SaveCore(db, _ => Task.FromResult(save()), async: false, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>
    /// One core for SaveChanges and SaveChangesAsync: with <paramref name="async"/> false every call below completes
    /// synchronously (the <paramref name="save"/> given by the sync path returns a completed task), so the sync path
    /// never blocks on asynchronous work.
    /// </summary>
    private static async ValueTask<int> SaveCore(AppDbContext db, Func<CancellationToken, Task<int>> save, bool async, CancellationToken ct)
    {
        var added = AddedEntries(db);
        if (added.Count == 0)
            return await save(ct);

        await using var owned = db.Database.CurrentTransaction is not null ? null
            : async ? await db.Database.BeginTransactionAsync(ct) : db.Database.BeginTransaction();
        var tx = db.Database.CurrentTransaction!.GetDbTransaction();
        var head = await LockHeadCore(tx, async, ct);
        foreach (var entry in added)
            head.Seal(entry);
        await WriteHeadAndActivityCore(tx, head, added, async, ct);

        var count = await save(ct);
        if (owned is not null)
        {
            if (async)
                await owned.CommitAsync(ct);
            else
                owned.Commit();
        }
        return count;
    }

    /// <summary>Reads the head under the write lock (see remarks); the transaction must not have committed.</summary>
    internal static ChainHead LockHead(DbTransaction tx) =>
        LockHeadCore(tx, async: false, CancellationToken.None).GetAwaiter().GetResult();

    private static async ValueTask<ChainHead> LockHeadCore(DbTransaction tx, bool async, CancellationToken ct)
    {
        await using var read = HeadCommand(tx);
        await using var reader = async ? await read.ExecuteReaderAsync(ct) : read.ExecuteReader();
        var found = async ? await reader.ReadAsync(ct) : reader.Read();
        return found ? ChainHead.From(reader) : throw new InvalidOperationException("The audit chain state row is missing; was the Initial migration applied?");
    }

    /// <summary>Moves the head past <paramref name="appended"/> and bumps the activity counters.</summary>
    internal static void WriteHeadAndActivity(DbTransaction tx, ChainHead head, List<AuditEntry> appended) =>
        WriteHeadAndActivityCore(tx, head, appended, async: false, CancellationToken.None).GetAwaiter().GetResult();

    private static async ValueTask WriteHeadAndActivityCore(DbTransaction tx, ChainHead head, List<AuditEntry> appended, bool async, CancellationToken ct)
    {
        foreach (var cmd in WriteCommands(tx, head, appended))
            await using (cmd)
            {
                if (async)
                    await cmd.ExecuteNonQueryAsync(ct);
                else
                    cmd.ExecuteNonQuery();
            }
    }

    private static List<AuditEntry> AddedEntries(AppDbContext db) =>
        db.ChangeTracker.Entries<AuditEntry>().Where(e => e.State == EntityState.Added).Select(e => e.Entity).ToList();

    internal const string LockHeadSql = $"""
        UPDATE "AuditChain" SET "HeadId" = "HeadId" WHERE "Id" = {AuditChainState.SingletonIdText}
        RETURNING "HeadId", "HeadHash", "MaxTimeTicks", "MaxSkewTicks"
        """;

    internal const string MoveHeadSql = $"""
        UPDATE "AuditChain" SET "HeadId" = @id, "HeadHash" = @hash, "MaxTimeTicks" = @max, "MaxSkewTicks" = @skew
        WHERE "Id" = {AuditChainState.SingletonIdText}
        """;

    internal const string BumpActivitySql = """
        INSERT INTO "ActivityMinutes" ("StartUnixMs", "Kind", "Count") VALUES (@m, @k, @c)
        ON CONFLICT ("StartUnixMs", "Kind") DO UPDATE SET "Count" = "ActivityMinutes"."Count" + excluded."Count"
        """;

    /// <summary>A write first, so the transaction owns the write lock before it reads the head (see remarks).</summary>
    private static DbCommand HeadCommand(DbTransaction tx)
    {
        var cmd = tx.Connection!.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = LockHeadSql;
        return cmd;
    }

    private static IEnumerable<DbCommand> WriteCommands(DbTransaction tx, ChainHead head, List<AuditEntry> added)
    {
        var update = tx.Connection!.CreateCommand();
        update.Transaction = tx;
        update.CommandText = MoveHeadSql;
        AddParameter(update, "@id", head.Id);
        AddParameter(update, "@hash", head.Hash);
        AddParameter(update, "@max", head.MaxTimeTicks);
        AddParameter(update, "@skew", head.MaxSkewTicks);
        yield return update;

        foreach (var (minute, kind, delta) in ActivityMinute.Deltas(added))
        {
            var bump = tx.Connection!.CreateCommand();
            bump.Transaction = tx;
            bump.CommandText = BumpActivitySql;
            AddParameter(bump, "@m", minute);
            AddParameter(bump, "@k", kind);
            AddParameter(bump, "@c", delta);
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

    /// <summary>
    /// Replaces lone UTF-16 surrogates in every text field with U+FFFD, as <see cref="Encoding.UTF8"/> does when
    /// hashing, so the stored text is exactly the text that was sealed. Without it a lone surrogate (a signed
    /// webhook's channel name "private-x\ud800" is enough) is hashed as U+FFFD but stored by SQLite as other
    /// bytes, and the untampered entry fails verification for good. Replacing rather than refusing: the text comes
    /// from many writers (webhooks Pusher has signed among them), and refusing would lose the whole delivery.
    /// </summary>
    internal static void MakeWellFormed(AuditEntry e)
    {
        e.Kind = WellFormed(e.Kind)!;
        e.ActorId = WellFormed(e.ActorId);
        e.ActorName = WellFormed(e.ActorName)!;
        e.Channel = WellFormed(e.Channel);
        e.EventName = WellFormed(e.EventName);
        e.Outcome = WellFormed(e.Outcome);
        e.Target = WellFormed(e.Target);
        e.Data = WellFormed(e.Data);
    }

    internal static string? WellFormed(string? value) =>
        value is null || value.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0
            ? value // the common case: no surrogates at all, nothing to check
            : Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(value));

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
