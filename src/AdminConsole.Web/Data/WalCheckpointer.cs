using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Data;

/// <summary>
/// Copies committed WAL pages back into the database file on its own connection, in the background.
/// SQLite's default is an automatic checkpoint run by whichever commit pushes the WAL past 1,000 pages, so the
/// webhook writer paid for copying and fsyncing the whole WAL inside its commit, with every request of that group
/// waiting. A PASSIVE checkpoint never blocks writers or readers; connections keep a much higher automatic
/// threshold (<see cref="SqlitePragmas"/>) only as a safety net for when this service is not running (the
/// create-admin verb, or a second process).
/// </summary>
internal sealed partial class WalCheckpointer(IServiceScopeFactory scopes, TimeProvider time, ILogger<WalCheckpointer> logger) : BackgroundService
{
    /// <summary>
    /// Short on purpose: a checkpoint fsyncs the WAL and the database file, and while a large fsync is under way the
    /// writer's next commit stalls (most likely waiting on pages under writeback). Measured at 680 webhook requests/s:
    /// every 250 ms (about 45 MB of WAL each time), tiny commits took 40-55 ms and the p99 was 63 ms; every 50 ms,
    /// p99 33 ms. An idle tick costs a fraction of a millisecond.
    /// </summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        string connectionString;
        await using (var scope = scopes.CreateAsyncScope())
            connectionString = scope.ServiceProvider.GetRequiredService<AppDbContext>().Database.GetConnectionString()!;
        if (new SqliteConnectionStringBuilder(connectionString).Mode == SqliteOpenMode.Memory)
            return;

        await using var connection = new SqliteConnection(connectionString);
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    if (connection.State != System.Data.ConnectionState.Open)
                        await connection.OpenAsync(stoppingToken);
                    await CheckpointAsync(connection, stoppingToken);
                }
                catch (SqliteException ex)
                {
                    // Nothing is lost: the pages stay in the WAL and the next tick (or an automatic checkpoint) copies them.
                    LogCheckpointFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One passive checkpoint; returns the WAL's frame count and how many of them are now in the database file.</summary>
    public static async Task<(long WalFrames, long Checkpointed)> CheckpointAsync(SqliteConnection connection, CancellationToken ct)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetInt64(1), reader.GetInt64(2)) : (0, 0);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A background WAL checkpoint failed; it is retried.")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception ex);
}
