using AdminConsole.Web.Shared;

namespace AdminConsole.Web.EventLog;

/// <summary>
/// Turns the filter as typed into the filter the query runs: a time preset becomes From and To (the school's
/// day for "today"), and the user text becomes the ids of the people whose name or email contains it.
/// People are matched here, in C#, against the membership snapshot (thousands of rows, accents folded once per
/// snapshot), and the log is then filtered by actor id: SQLite has no unaccent, and a folded copy of every actor
/// in the log would be a new column on a million rows for what a small table answers.
/// </summary>
public sealed class EventLogSearch(ILogDirectory directory, SchoolTime schoolTime, TimeProvider time)
{
    public async Task<EventLogFilter> ResolveAsync(EventLogFilter filter, CancellationToken ct = default)
    {
        filter = filter.Normalized().WithPreset(time.GetUtcNow(), schoolTime.Zone);
        if (filter.User is not { } user)
            return filter;
        var needle = SearchText.Fold(user);
        var people = (await directory.GetAsync(ct)).People.Values.Where(p => p.SearchKey.Contains(needle, StringComparison.Ordinal)).ToList();
        return filter.WithActors([.. people.Select(p => p.Id)], [.. people.Select(p => p.Email)]);
    }

    /// <summary>The names for the ids on a page of entries.</summary>
    public async Task<LogNames> NamesAsync(CancellationToken ct = default) => new(await directory.GetAsync(ct));
}
