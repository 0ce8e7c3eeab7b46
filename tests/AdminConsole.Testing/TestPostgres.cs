using Npgsql;

namespace AdminConsole.Testing;

/// <summary>
/// The PostgreSQL server of this test run: <c>tests/run.sh</c> starts a throwaway one (tests/postgres.sh) and
/// exports its connection string in <see cref="Variable"/>. Each test class that runs on PostgreSQL gets a database
/// of its own from <see cref="CreateDatabase"/>, dropped when the class is done. Without the variable the PostgreSQL
/// cases fail with a message that says how to run them: they are never skipped.
/// </summary>
public static class TestPostgres
{
    public const string Variable = "ADMINCONSOLE_TEST_POSTGRES";

    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{Variable} is not set, so the PostgreSQL cases of the storage tests cannot run. `bash tests/run.sh` installs Debian's " +
                "postgresql and starts a throwaway server itself; for a focused run, start one with `bash tests/postgres.sh` and export the " +
                $"{Variable}=... line it prints before `dotnet test`.");

    /// <summary>Creates an empty database (named after <paramref name="purpose"/>) and returns its connection string.</summary>
    public static TestDatabase CreateDatabase(string purpose)
    {
        var server = new NpgsqlConnectionStringBuilder(ServerConnectionString);
        var clean = new string([.. purpose.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit)]);
        var name = $"t_{clean[..Math.Min(30, clean.Length)]}_{Guid.NewGuid().ToString("N")[..12]}";
        using (var connection = new NpgsqlConnection(server.ToString()))
        {
            connection.Open();
            using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            create.ExecuteNonQuery();
        }
        var database = new NpgsqlConnectionStringBuilder(server.ToString()) { Database = name };
        return new TestDatabase(name, database.ToString(), server.ToString());
    }
}

/// <summary>A database of one test class; <see cref="Dispose"/> drops it (closing whatever still uses it).</summary>
public sealed class TestDatabase(string name, string connectionString, string serverConnectionString) : IDisposable
{
    public string Name { get; } = name;
    public string ConnectionString { get; } = connectionString;

    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        using var connection = new NpgsqlConnection(serverConnectionString);
        connection.Open();
        using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        drop.ExecuteNonQuery();
    }
}
