using System.Runtime.CompilerServices;
using AdminConsole.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.EventLog;

/// <summary>One page of the log, newest first, with the cursors of its neighbours.</summary>
public sealed record LogPage(IReadOnlyList<AuditEntry> Entries, long? OlderThan, long? NewerThan);

/// <summary>
/// Reads the log with keyset pagination by Id. Ids only grow, so entries written while someone pages land above
/// the first page and can never shift, repeat or hide an older page (offset paging would).
/// </summary>
public sealed class EventLogQuery(AppDbContext db)
{
    public const int DefaultPageSize = 50;

    /// <param name="before">Show entries older than this Id (the "older" link).</param>
    /// <param name="after">Show entries newer than this Id (the "newer" link).</param>
    public async Task<LogPage> PageAsync(EventLogFilter filter, long? before, long? after, int pageSize = DefaultPageSize, CancellationToken ct = default)
    {
        var query = await FilteredAsync(filter, ct);
        List<AuditEntry> rows;
        bool moreOlder, moreNewer;
        if (after is { } a && before is null)
        {
            rows = await query.Where(e => e.Id > a).OrderBy(e => e.Id).Take(pageSize + 1).ToListAsync(ct);
            moreNewer = rows.Count > pageSize;
            if (moreNewer) rows.RemoveAt(rows.Count - 1);
            rows.Reverse();
            moreOlder = true; // we came from there
        }
        else
        {
            if (before is { } b) query = query.Where(e => e.Id < b);
            rows = await query.OrderByDescending(e => e.Id).Take(pageSize + 1).ToListAsync(ct);
            moreOlder = rows.Count > pageSize;
            if (moreOlder) rows.RemoveAt(rows.Count - 1);
            moreNewer = before is not null;
        }
        return new LogPage(rows,
            moreOlder && rows.Count > 0 ? rows[^1].Id : null,
            moreNewer && rows.Count > 0 ? rows[0].Id : null);
    }

    /// <summary>
    /// Every matching entry up to <paramref name="throughId"/>, newest first, read in keyset batches: memory stays
    /// bounded by one batch and no read transaction is held open for the whole export.
    /// </summary>
    public async IAsyncEnumerable<AuditEntry> StreamAsync(EventLogFilter filter, long throughId, int batchSize = 2_000,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        var cursor = throughId + 1;
        var filtered = await FilteredAsync(filter, ct);
        while (true)
        {
            var below = cursor;
            var batch = await filtered
                .Where(e => e.Id < below)
                .OrderByDescending(e => e.Id)
                .Take(batchSize)
                .ToListAsync(ct);
            foreach (var entry in batch)
                yield return entry;
            if (batch.Count < batchSize)
                yield break;
            cursor = batch[^1].Id;
        }
    }

    /// <summary>
    /// The filter, plus Id bounds equivalent to its time range: the page then walks the primary key newest first
    /// and stops after one page, instead of collecting and sorting every entry in the range. Exact, not a
    /// heuristic: see <see cref="AuditChainState.MaxSkewTicks"/>. Two seeks on the TimeUtc index.
    /// </summary>
    private async Task<IQueryable<AuditEntry>> FilteredAsync(EventLogFilter filter, CancellationToken ct)
    {
        var query = filter.Apply(db.AuditEntries.AsNoTracking(), await ChannelPrefixIsCommonAsync(filter, ct));
        if (filter.FromUtc is null && filter.ToUtc is null)
            return query;
        var state = await db.AuditChainStates.Select(s => new { s.MaxSkewTicks, s.HeadId }).SingleAsync(ct);
        var skew = state.MaxSkewTicks;
        if (filter.FromUtc is { } from && from.Ticks - DateTime.MinValue.Ticks > skew)
        {
            // Every entry timed before from - skew precedes (by Id) every entry timed at or after from.
            var below = from.AddTicks(-skew);
            var floor = await db.AuditEntries.Where(e => e.TimeUtc < below).OrderByDescending(e => e.TimeUtc)
                .Select(e => (long?)e.Id).FirstOrDefaultAsync(ct);
            if (floor is { } lo) query = query.Where(e => e.Id > lo);
        }
        var ceiling = state.HeadId + 1;
        if (filter.ToUtc is { } to && DateTime.MaxValue.Ticks - to.Ticks > skew)
        {
            // Every entry timed at or after to + skew follows every entry timed before to.
            var above = to.AddTicks(skew);
            ceiling = await db.AuditEntries.Where(e => e.TimeUtc >= above).OrderBy(e => e.TimeUtc)
                .Select(e => (long?)e.Id).FirstOrDefaultAsync(ct) ?? ceiling;
        }
        // Both bounds, always: with only one, SQLite prefers the TimeUtc index and sorts the whole range.
        query = query.Where(e => e.Id < ceiling);
        return query;
    }

    /// <summary>
    /// A channel prefix with at least this many entries is read by walking the log newest first; a rarer one from
    /// its index range, sorted. At 1,000,000 entries (docs/benchmarks.md) a whole channel name typed as a prefix
    /// (private-user-…, a few hundred entries) reads its index range in about 1 ms where the walk scanned the log
    /// (≈ 250 ms); sorting 2,000 rows costs about 2 ms, and a prefix that common fills a page within a short walk.
    /// </summary>
    public const int CommonPrefixEntries = 2_000;

    /// <summary>One bounded count over the (Channel, Id) index: at most <see cref="CommonPrefixEntries"/> index entries read.</summary>
    private async Task<bool> ChannelPrefixIsCommonAsync(EventLogFilter filter, CancellationToken ct)
    {
        if (filter.ChannelPrefix is not { } prefix)
            return false;
        var upper = prefix[..^1] + (char)(prefix[^1] + 1);
        var found = await db.AuditEntries
            .Where(e => string.Compare(e.Channel, prefix) >= 0 && string.Compare(e.Channel, upper) < 0)
            .Take(CommonPrefixEntries)
            .CountAsync(ct);
        return found >= CommonPrefixEntries;
    }

    public async Task<long> NewestIdAsync(CancellationToken ct = default) =>
        await db.AuditEntries.MaxAsync(e => (long?)e.Id, ct) ?? 0;

    public Task<AuditEntry?> FindAsync(long id, CancellationToken ct = default) =>
        db.AuditEntries.AsNoTracking().SingleOrDefaultAsync(e => e.Id == id, ct);
}
