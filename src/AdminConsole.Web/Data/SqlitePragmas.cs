using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace AdminConsole.Web.Data;

/// <summary>
/// Per-connection SQLite settings. journal_mode=WAL is a property of the database file (set once at start);
/// synchronous is per connection: NORMAL is durable against a process crash in WAL mode and avoids an fsync
/// per commit, which is what lets webhook bursts be acknowledged quickly.
/// </summary>
internal sealed class SqlitePragmas : DbConnectionInterceptor
{
    private const string Pragmas = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; PRAGMA wal_autocheckpoint=16384; PRAGMA journal_size_limit=67108864;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = Pragmas;
        cmd.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = Pragmas;
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }
}
