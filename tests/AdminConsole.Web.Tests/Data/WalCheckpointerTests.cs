using AdminConsole.Web.Data;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Tests.Data;

/// <summary>
/// Checkpoints happen in the background (Data/WalCheckpointer.cs), not inside the webhook writer's commits.
/// "In the database file" is observed by opening the file with immutable=1, which makes SQLite ignore the WAL.
/// </summary>
public class WalCheckpointerTests(ConsoleFactory factory) : IClassFixture<ConsoleFactory>
{
    [Fact]
    public async Task Connections_leave_checkpoints_to_the_background_service()
    {
        _ = factory.Services;
        var threshold = await factory.QueryAsync(async db => (await db.Database.SqlQueryRaw<long>("PRAGMA wal_autocheckpoint").ToListAsync()).Single());
        Assert.Equal(16384, threshold);
    }

    [Fact]
    public async Task What_the_console_committed_reaches_the_database_file_without_an_automatic_checkpoint()
    {
        _ = factory.Services; // migrations and the demo seed write well under the automatic threshold
        var committed = await factory.QueryAsync(db => db.Users.CountAsync());
        Assert.True(committed > 0);

        long inFile = -1;
        await Eventually.UntilAsync(() => (inFile = CountInDatabaseFile(factory.DatabasePath, "AspNetUsers")) == committed,
            TimeSpan.FromSeconds(20), "the committed users in the database file", WalCheckpointer.Interval, () => $"{inFile} of {committed}");
        Assert.Equal(committed, inFile);
    }

    [Fact]
    public async Task A_passive_checkpoint_copies_committed_pages_while_the_writer_keeps_its_transaction_open()
    {
        var path = Path.Combine(Path.GetTempPath(), $"adminconsole-wal-{Guid.NewGuid():N}.db");
        try
        {
            await using var writer = new SqliteConnection($"Data Source={path};Pooling=False");
            await writer.OpenAsync();
            Execute(writer, "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE T (X INTEGER); INSERT INTO T VALUES (1), (2), (3);");
            Assert.Equal(-1, CountInDatabaseFile(path, "T")); // the table itself exists only in the WAL so far

            using (var open = writer.BeginTransaction())
            {
                Execute(writer, "INSERT INTO T VALUES (4)", open);
                await using var checkpointer = new SqliteConnection($"Data Source={path};Pooling=False");
                await checkpointer.OpenAsync();
                var (frames, copied) = await WalCheckpointer.CheckpointAsync(checkpointer, CancellationToken.None);
                Assert.True(frames > 0);
                Assert.Equal(frames, copied);
                open.Rollback();
            }
            Assert.Equal(3, CountInDatabaseFile(path, "T"));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
                File.Delete(path + suffix);
        }
    }

    /// <summary>Rows of <paramref name="table"/> in the main database file alone; -1 if the table is not there yet.</summary>
    private static long CountInDatabaseFile(string path, string table)
    {
        using var file = new SqliteConnection($"Data Source=file:{path}?immutable=1;Mode=ReadOnly;Pooling=False");
        file.Open();
        using var exists = file.CreateCommand();
        exists.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $t";
        exists.Parameters.AddWithValue("$t", table);
        if ((long)exists.ExecuteScalar()! == 0)
            return -1;
        using var count = file.CreateCommand();
        count.CommandText = $"SELECT COUNT(*) FROM \"{table}\"";
        return (long)count.ExecuteScalar()!;
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = transaction;
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
