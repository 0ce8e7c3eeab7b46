using AdminConsole.Web.Data;
using AdminConsole.Web.Shared;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.EventLog;

/// <summary>
/// Every actor name the log holds (emails, "Pusher", "system", attempted addresses), folded for search, kept in
/// memory and topped up from the entries written since the last look. A school's log has hundreds to thousands
/// of distinct actors over a million entries (the benchmark: 202), so the user filter can pick its actors here and
/// read them by the (ActorName, Id) index instead of scanning the log with LIKE.
/// </summary>
public sealed class ActorCatalog
{
    /// <summary>
    /// Above this many new entries since the last look, the names are re-read by skipping through the index (one
    /// seek per distinct name) rather than by reading the new entries.
    /// </summary>
    public const int RereadAfterEntries = 50_000;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private Dictionary<string, string> _folded = new(StringComparer.Ordinal);
    private long _through = -1;

    /// <summary>Each actor name with its folded form (<see cref="SearchText.Fold"/>), as of the newest entry now.</summary>
    public async Task<IReadOnlyDictionary<string, string>> NamesAsync(AppDbContext db, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var newest = await db.AuditEntries.MaxAsync(e => (long?)e.Id, ct) ?? 0;
            if (newest == _through)
                return _folded;
            var names = new Dictionary<string, string>(_folded, StringComparer.Ordinal);
            if (_through < 0 || newest < _through || newest - _through > RereadAfterEntries)
            {
                names.Clear();
                // A skip scan: the next name after the last one, straight from the index.
                var last = "";
                while (await db.AuditEntries.AsNoTracking().Where(e => string.Compare(e.ActorName, last) > 0)
                           .OrderBy(e => e.ActorName).Select(e => e.ActorName).FirstOrDefaultAsync(ct) is { } next)
                {
                    names[next] = SearchText.Fold(next);
                    last = next;
                }
            }
            else
            {
                var since = _through;
                foreach (var name in await db.AuditEntries.AsNoTracking().Where(e => e.Id > since && e.Id <= newest)
                             .Select(e => e.ActorName).Distinct().ToListAsync(ct))
                    names.TryAdd(name, SearchText.Fold(name));
            }
            // Published whole: readers keep the dictionary they were given. Names purged by retention linger until
            // the next re-read; they match nothing.
            _folded = names;
            _through = newest;
            return names;
        }
        finally
        {
            _gate.Release();
        }
    }
}
