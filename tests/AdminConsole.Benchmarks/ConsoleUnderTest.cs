using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace AdminConsole.Benchmarks;

/// <summary>
/// The console a webhook scenario posts to: started as its own Release process on a new SQLite file, or with
/// <c>--provider postgres</c> on a fresh database of the server named by ADMINCONSOLE_TEST_POSTGRES (tests/postgres.sh),
/// or one already running (<c>--url</c>, <c>--db</c> its SQLite file, <c>--pid</c>). <see cref="Open"/> reads its
/// database, to verify what was acknowledged. With <c>--instances N</c> (PostgreSQL only) N console processes share the
/// database: <see cref="Urls"/> and <see cref="Pids"/> name them all, <see cref="Url"/> and <see cref="Pid"/> the first.
/// </summary>
internal sealed class ConsoleUnderTest : IAsyncDisposable
{
    private readonly ConsoleProcess? _owned;
    private readonly List<ConsoleProcess> _more = [];
    private readonly TestDatabase? _postgres;
    private readonly string? _sqlitePath;

    private ConsoleUnderTest(string url, int? pid, Func<DbConnection> open, ConsoleProcess? owned, TestDatabase? postgres, string? sqlitePath)
    {
        (Url, Pid, Open, _owned, _postgres, _sqlitePath) = (url, pid, open, owned, postgres, sqlitePath);
    }

    public string Url { get; }
    public int? Pid { get; }
    public Func<DbConnection> Open { get; }
    public string Provider => _postgres is null ? "SQLite" : _more.Count > 0 ? $"PostgreSQL, {_more.Count + 1} console processes" : "PostgreSQL";

    public IReadOnlyList<string> Urls => [Url, .. _more.Select(m => m.Url)];

    public IReadOnlyList<int> Pids => Pid is { } first ? [first, .. _more.Select(m => m.Pid)] : [];

    /// <summary>CPU time of every console process this run measures.</summary>
    public TimeSpan CpuTime() => Pids.Aggregate(TimeSpan.Zero, (sum, p) => sum + ConsoleProcess.CpuTime(p));

    public static async Task<ConsoleUnderTest> StartAsync(BenchArgs args, string key, string secret, IReadOnlyDictionary<string, string>? settings = null)
    {
        int? pid = args.Get("pid") is { } p ? int.Parse(p) : null;
        if (args.Get("url") is { } given)
        {
            var db = args.Get("db") ?? throw new ArgumentException("--url needs --db <the console's sqlite file> to verify storage.");
            return new ConsoleUnderTest(given.TrimEnd('/'), pid, () => new SqliteConnection($"Data Source={db};Mode=ReadOnly"), null, null, db);
        }
        var dll = args.Get("console") ?? Path.GetFullPath(Path.Combine(RepositoryRoot.Path, "src/AdminConsole.Web/bin/Release/net10.0/AdminConsole.Web.dll"));
        var environment = new Dictionary<string, string>(settings ?? new Dictionary<string, string>());
        var instances = args.Int("instances", 1);
        if (instances > 1 && args.Get("provider") is not "postgres")
            throw new ArgumentException("--instances needs --provider postgres: SQLite is one console's file.");
        if (args.Get("provider") is "postgres")
        {
            var postgres = TestPostgres.CreateDatabase("bench");
            environment["Database__Provider"] = "Postgres";
            environment["ConnectionStrings__Console"] = postgres.ConnectionString;
            var console = await ConsoleProcess.StartAsync(dll, key, secret, settings: environment);
            var connectionString = postgres.ConnectionString;
            var target = new ConsoleUnderTest(console.Url, console.Pid, () => new NpgsqlConnection(connectionString), console, postgres, null);
            // One after the other: the first has migrated the database, the others find it migrated.
            for (var i = 1; i < instances; i++)
                target._more.Add(await ConsoleProcess.StartAsync(dll, key, secret, settings: environment));
            return target;
        }
        var owned = await ConsoleProcess.StartAsync(dll, key, secret, settings: environment);
        var path = owned.DatabasePath;
        return new ConsoleUnderTest(owned.Url, owned.Pid, () => new SqliteConnection($"Data Source={path};Mode=ReadOnly"), owned, null, path);
    }

    /// <summary>What the database takes on disk: the SQLite file with its WAL, or PostgreSQL's pg_database_size.</summary>
    public long DatabaseBytes()
    {
        if (_sqlitePath is { } path)
            return new[] { path, path + "-wal" }.Where(File.Exists).Sum(f => new FileInfo(f).Length);
        using var connection = Open();
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT pg_database_size(current_database())";
        return Convert.ToInt64(cmd.ExecuteScalar());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var more in _more) await more.DisposeAsync();
        if (_owned is not null) await _owned.DisposeAsync();
        _postgres?.Dispose();
    }
}
