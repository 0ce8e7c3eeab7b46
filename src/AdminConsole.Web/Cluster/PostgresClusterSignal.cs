using AdminConsole.Web.Data;
using Npgsql;

namespace AdminConsole.Web.Cluster;

/// <summary>
/// The change signal over PostgreSQL LISTEN/NOTIFY, for several instances on one PostgreSQL database without Redis.
/// One connection of its own (outside the pool) LISTENs and waits; a keepalive query every
/// <see cref="KeepAliveSeconds"/> s notices a link that died silently. When the connection breaks it is reopened with
/// a growing pause (up to <see cref="MaxRetryPause"/>), and this instance resynchronizes once it LISTENs again.
/// NOTIFY is per database, so consoles on other databases of the same server never hear each other.
/// </summary>
internal sealed class PostgresClusterSignal(StorageProvider storage, ILogger<PostgresClusterSignal> logger) : ClusterSignal(logger)
{
    internal const string ListenSql = "LISTEN adminconsole_changes";
    internal const string NotifySql = "SELECT pg_notify('adminconsole_changes', @payload)";
    private const int KeepAliveSeconds = 5;
    private static readonly TimeSpan MaxRetryPause = TimeSpan.FromSeconds(10);

    public override bool ReachesOtherInstances => true;
    public override string Name => "PostgreSQL LISTEN/NOTIFY";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listener = new NpgsqlConnectionStringBuilder(storage.ConnectionString)
        {
            KeepAlive = KeepAliveSeconds,
            Pooling = false,
            ApplicationName = "AdminConsole change signal",
        }.ToString();
        var pause = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(listener);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, e) => Received(e.Payload);
                await using (var listen = new NpgsqlCommand(ListenSql, connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                await ConnectedAsync();
                pause = TimeSpan.FromMilliseconds(250);
                while (true)
                    await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                // The message names the failure (connection refused, terminated by administrator), not the connection string.
                Disconnected(e.GetBaseException().Message);
            }
            await Task.Delay(pause, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, MaxRetryPause.Ticks));
        }
    }

    protected override async Task SendAsync(string message)
    {
        await using var connection = new NpgsqlConnection(storage.ConnectionString);
        await connection.OpenAsync();
        await using var notify = new NpgsqlCommand(NotifySql, connection);
        notify.Parameters.AddWithValue("payload", message);
        await notify.ExecuteNonQueryAsync();
    }
}
