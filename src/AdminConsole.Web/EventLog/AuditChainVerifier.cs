using System.Diagnostics;
using AdminConsole.Web.Data;
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
    TimeSpan Elapsed)
{
    /// <summary>Every broken place found, in Id order, at most <see cref="AuditChainVerifier.MaxBreaksReported"/>.</summary>
    public IReadOnlyList<ChainBreak> Breaks { get; init; } = [];

    /// <summary>True when more breaks exist than <see cref="Breaks"/> lists.</summary>
    public bool MoreBreaks { get; init; }
}

/// <summary>One broken place in the chain: an entry that does not match its seal, or a run of missing entries.</summary>
public sealed record ChainBreak(long Id, string Message);

/// <summary>
/// Walks the hash chain from the retention checkpoint to the head in Id order, in batches, and reports either
/// "intact up to entry N" or every entry whose content or position no longer matches what was sealed (the first
/// one leads the verdict). The walk goes on after a break, trusting each stored hash as the next link, so one
/// altered entry cannot hide later tampering.
/// </summary>
public sealed class AuditChainVerifier(AppDbContext db, StorageProvider storage)
{
    /// <summary>For a context opened outside the console's services.</summary>
    public AuditChainVerifier(AppDbContext db) : this(db, StorageProvider.Of(db))
    {
    }

    public const int DefaultBatchSize = 5_000;

    /// <summary>A log rewritten wholesale would otherwise list every entry; the first hundred say enough.</summary>
    public const int MaxBreaksReported = 100;

    public async Task<ChainVerdict> VerifyAsync(int batchSize = DefaultBatchSize, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            // One read snapshot for the whole walk that blocks no writer: retention purging the oldest entries or
            // writers appending mid-walk cannot make an intact chain look broken.
            await using var snapshot = await storage.BeginSnapshotAsync(db.Database.GetDbConnection(), ct);
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
        var breaks = new List<ChainBreak>();
        var moreBreaks = false;

        void Break(long id, string why)
        {
            if (breaks.Count < MaxBreaksReported) breaks.Add(new ChainBreak(id, why));
            else moreBreaks = true;
        }

        while (expectedId <= state.HeadId)
        {
            var cursor = expectedId - 1;
            var batch = await db.AuditEntries.AsNoTracking()
                .Where(e => e.Id > cursor && e.Id <= state.HeadId)
                .OrderBy(e => e.Id)
                .Take(batchSize)
                .ToListAsync(ct);
            if (batch.Count == 0)
            {
                Break(expectedId, $"Entries {expectedId} to {state.HeadId} are missing: the end of the log was deleted.");
                prev = state.HeadHash; // nothing left to compare the head with
                break;
            }

            foreach (var entry in batch)
            {
                var afterGap = false;
                if (entry.Id != expectedId)
                {
                    Break(expectedId, entry.Id - expectedId == 1
                        ? $"Entry {expectedId} is missing: it was deleted."
                        : $"Entries {expectedId} to {entry.Id - 1} are missing: they were deleted.");
                    expectedId = entry.Id;
                    afterGap = true;
                }
                var hash = AuditChain.ComputeHash(prev, entry);
                // Right after a gap the link cannot match (its predecessor is gone); that is the gap's break, not a second one.
                if (!afterGap && !hash.AsSpan().SequenceEqual(entry.Hash))
                    Break(entry.Id, $"Entry {entry.Id} does not match its seal: its content or its position in the log was changed.");
                prev = entry.Hash;
                expectedId++;
                checkedCount++;
            }
            db.ChangeTracker.Clear();
        }

        if (breaks.Count == 0 && !prev.AsSpan().SequenceEqual(state.HeadHash))
            Break(state.HeadId, $"The chain head does not match entry {state.HeadId}: the chain state was changed.");

        if (breaks.Count > 0)
        {
            var first = breaks[0];
            var message = breaks.Count == 1 ? first.Message
                : $"{first.Message} {(moreBreaks ? "More than " + MaxBreaksReported : breaks.Count.ToString(System.Globalization.CultureInfo.InvariantCulture))} broken places in all.";
            return new ChainVerdict(false, state.CheckpointId, first.Id - 1, checkedCount, first.Id, message,
                Convert.ToHexStringLower(state.HeadHash), clock.Elapsed)
            {
                Breaks = breaks,
                MoreBreaks = moreBreaks,
            };
        }

        var intact = state.HeadId == 0
            ? "The log is empty."
            : state.CheckpointId > 0
                ? $"Intact up to entry {state.HeadId} (entries up to {state.CheckpointId} were purged by retention; the checkpoint links them)."
                : $"Intact up to entry {state.HeadId}.";
        return new(true, state.CheckpointId, state.HeadId, checkedCount, null, intact,
            Convert.ToHexStringLower(state.HeadHash), clock.Elapsed);
    }
}
