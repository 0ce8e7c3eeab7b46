using System.Diagnostics;
using AdminConsole.Web.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.EventLog;

/// <summary>What a walk of the chain found.</summary>
public sealed record ChainVerdict(
    bool Intact,
    long CheckpointId,
    long VerifiedThroughId,
    long EntriesChecked,
    long? FirstBadId,
    string Message,
    string HeadHashHex,
    TimeSpan Elapsed);

/// <summary>
/// Walks the hash chain from the retention checkpoint to the head in Id order, in batches, and reports either
/// "intact up to entry N" or the first entry whose content or position no longer matches what was sealed.
/// </summary>
public sealed class AuditChainVerifier(AppDbContext db)
{
    public const int DefaultBatchSize = 5_000;

    public async Task<ChainVerdict> VerifyAsync(int batchSize = DefaultBatchSize, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            // One read snapshot for the whole walk (WAL readers never block writers): retention purging the
            // oldest entries or writers appending mid-walk cannot make an intact chain look broken.
            await using var snapshot = ((SqliteConnection)db.Database.GetDbConnection()).BeginTransaction(deferred: true);
            await db.Database.UseTransactionAsync(snapshot, ct);
            try
            {
                return await WalkAsync(batchSize, clock, ct);
            }
            finally
            {
                await db.Database.UseTransactionAsync(null, ct);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private async Task<ChainVerdict> WalkAsync(int batchSize, Stopwatch clock, CancellationToken ct)
    {
        var state = await db.AuditChainStates.AsNoTracking().SingleAsync(ct);
        var prev = state.CheckpointHash;
        var expectedId = state.CheckpointId + 1;
        long checkedCount = 0;

        ChainVerdict Broken(long badId, string why) => new(false, state.CheckpointId, badId - 1, checkedCount, badId,
            why, Convert.ToHexStringLower(state.HeadHash), clock.Elapsed);

        while (expectedId <= state.HeadId)
        {
            var cursor = expectedId - 1;
            var batch = await db.AuditEntries.AsNoTracking()
                .Where(e => e.Id > cursor && e.Id <= state.HeadId)
                .OrderBy(e => e.Id)
                .Take(batchSize)
                .ToListAsync(ct);
            if (batch.Count == 0)
                return Broken(expectedId, $"Entries {expectedId} to {state.HeadId} are missing: the end of the log was deleted.");

            foreach (var entry in batch)
            {
                if (entry.Id != expectedId)
                    return Broken(expectedId, entry.Id - expectedId == 1
                        ? $"Entry {expectedId} is missing: it was deleted."
                        : $"Entries {expectedId} to {entry.Id - 1} are missing: they were deleted.");
                var hash = AuditChain.ComputeHash(prev, entry);
                if (!hash.AsSpan().SequenceEqual(entry.Hash))
                    return Broken(entry.Id, $"Entry {entry.Id} does not match its seal: its content or its position in the log was changed.");
                prev = entry.Hash;
                expectedId++;
                checkedCount++;
            }
            db.ChangeTracker.Clear();
        }

        if (!prev.AsSpan().SequenceEqual(state.HeadHash))
            return Broken(state.HeadId, $"The chain head does not match entry {state.HeadId}: the chain state was changed.");

        var message = state.HeadId == 0
            ? "The log is empty."
            : state.CheckpointId > 0
                ? $"Intact up to entry {state.HeadId} (entries up to {state.CheckpointId} were purged by retention; the checkpoint links them)."
                : $"Intact up to entry {state.HeadId}.";
        return new(true, state.CheckpointId, state.HeadId, checkedCount, null, message,
            Convert.ToHexStringLower(state.HeadHash), clock.Elapsed);
    }
}
