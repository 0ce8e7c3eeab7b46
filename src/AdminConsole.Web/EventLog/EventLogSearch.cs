using AdminConsole.Web.Data;
using AdminConsole.Web.Shared;

namespace AdminConsole.Web.EventLog;

/// <summary>
/// Turns the filter as typed into the filter the query runs: a time preset becomes From and To (the school's
/// day for "today"), and the user text becomes the exact actor names it stands for: every actor in the log whose
/// name contains it, and the current email of every person whose display name or email contains it, accents and
/// case ignored. Matched here, in C#, against small sets (the people, the log's distinct actors): SQLite has no
/// unaccent, and a folded copy of every actor in the log would be a new column on a million rows.
/// (docs/decisions/0012-event-log-people-search.md)
/// </summary>
public sealed class EventLogSearch(ILogDirectory directory, ActorCatalog actors, AppDbContext db, SchoolTime schoolTime, TimeProvider time)
{
    public async Task<EventLogFilter> ResolveAsync(EventLogFilter filter, CancellationToken ct = default)
    {
        filter = filter.Normalized().WithPreset(time.GetUtcNow(), schoolTime.Zone);
        if (filter.User is not { } user)
            return filter;
        var needle = SearchText.Fold(user);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var person in (await directory.GetAsync(ct)).People.Values)
            if (person.SearchKey.Contains(needle, StringComparison.Ordinal))
                names.Add(person.Email);
        foreach (var (name, folded) in await actors.NamesAsync(db, ct))
            if (folded.Contains(needle, StringComparison.Ordinal))
                names.Add(name);
        return filter.WithActors([.. names.Order(StringComparer.Ordinal)]);
    }

    /// <summary>The names for the ids on a page of entries.</summary>
    public async Task<LogNames> NamesAsync(CancellationToken ct = default) => new(await directory.GetAsync(ct));
}
