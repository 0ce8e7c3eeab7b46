using AdminConsole.Web.EventLog;

namespace AdminConsole.Web.Memberships;

/// <summary>The event log's names for people and classes, from the cached snapshot: no query per log page.</summary>
internal sealed class MembershipLogDirectory(MembershipCache cache) : ILogDirectory
{
    private sealed record Built(MembershipSnapshot Snapshot, LogDirectory Directory);

    private Built? _last;

    public async ValueTask<LogDirectory> GetAsync(CancellationToken ct = default)
    {
        var snapshot = await cache.GetAsync(ct);
        // Built once per snapshot (thousands of people): pages between two changes share it.
        if (Volatile.Read(ref _last) is { } last && ReferenceEquals(last.Snapshot, snapshot))
            return last.Directory;
        var directory = new LogDirectory(
            snapshot.Users.ToDictionary(u => u.Key, u => new LoggedPerson(u.Key, u.Value.DisplayName, u.Value.Email), StringComparer.Ordinal),
            snapshot.Classes.ToDictionary(c => c.Key, c => c.Value.Name));
        Volatile.Write(ref _last, new Built(snapshot, directory));
        return directory;
    }
}
