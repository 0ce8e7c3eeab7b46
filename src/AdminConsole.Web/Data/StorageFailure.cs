using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace AdminConsole.Web.Data;

/// <summary>
/// Tells a failure of the storage itself (disk full, read-only file system, I/O error, a lock not released within
/// busy_timeout) from a bug. The first is an outage the client should retry, answered 503 with Retry-After by the
/// shell; the second stays a 500. Readiness also reads <see cref="LastFailure"/>, because a probe write can succeed
/// in space the WAL already owns while a larger write fails.
/// </summary>
public sealed class StorageFailure(TimeProvider time)
{
    // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN (primary codes).
    private static readonly HashSet<int> SqliteUnavailable = [5, 6, 8, 10, 13, 14];

    private long _lastFailureTicks;

    /// <summary>When the storage last failed a write or read, if it has since start.</summary>
    public DateTimeOffset? LastFailure =>
        Interlocked.Read(ref _lastFailureTicks) is var t and > 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    public static bool IsUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is SqliteException sqlite && SqliteUnavailable.Contains(sqlite.SqliteErrorCode & 0xFF))
                return true;
            // Providers mark connection loss and similar conditions transient (Npgsql does for a server it cannot reach).
            if (e is DbException { IsTransient: true })
                return true;
        }
        return false;
    }

    /// <summary>Records the failure when it is one; true if it was.</summary>
    public bool Observe(Exception exception)
    {
        if (!IsUnavailable(exception))
            return false;
        Interlocked.Exchange(ref _lastFailureTicks, time.GetUtcNow().UtcTicks);
        return true;
    }
}
