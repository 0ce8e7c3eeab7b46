using System.Reflection;
using AdminConsole.Web.Data;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace AdminConsole.Web.Tests.Data;

/// <summary>
/// The hot paths write through hand-written SQL (<c>const string …Sql</c> fields) that repeats EF Core's table and
/// column names. Each statement is prepared against the schema the migrations build, so a renamed property, a
/// dropped column or a typo fails here instead of in the webhook writer at run time. A statement declared in a type
/// (or a field) named Postgres… runs only on PostgreSQL, Sqlite… only on SQLite, any other on both: those are
/// prepared against each provider's migrated schema (<see cref="RawPostgresSqlTests"/> for PostgreSQL).
/// </summary>
public class RawSqlTests(ConsoleFactory factory) : IClassFixture<ConsoleFactory>
{
    public static TheoryData<string> Statements()
    {
        var data = new TheoryData<string>();
        foreach (var (name, _) in RawStatements().Where(s => RunsOn(s.Name, DatabaseProvider.Sqlite)))
            data.Add(name);
        return data;
    }

    /// <summary>By the declaring type's name (PostgresIngestStatements.…) or the field's (ChannelDetailModel.SqliteChannelEntriesSql).</summary>
    internal static bool RunsOn(string name, DatabaseProvider provider)
    {
        var parts = name.Split('.');
        bool Is(string prefix) => parts.Any(p => p.StartsWith(prefix, StringComparison.Ordinal));
        return Is("Postgres") ? provider == DatabaseProvider.Postgres : !Is("Sqlite") || provider == DatabaseProvider.Sqlite;
    }

    [Fact]
    public void Every_hot_path_statement_is_found()
    {
        var names = RawStatements().Select(s => s.Name).ToList();
        Assert.Contains("IngestSql.InsertBatchSql", names);
        Assert.Contains("SqliteIngestStatements.InsertEventSql", names);
        Assert.Contains("SqliteOccupancyProjector.UpsertChannelSql", names);
        Assert.Contains("SqliteOccupancyProjector.UpsertMemberSql", names);
        Assert.Contains("PostgresOccupancyProjector.UpsertChannelSql", names);
        Assert.Contains("PostgresIngestStatements.InsertEventsSql", names);
        Assert.Contains("PostgresAuditAppender.InsertManySql", names);
        Assert.Contains("SqliteAuditAppender.InsertSql", names);
        Assert.Contains("AuditChain.LockHeadSql", names);
        Assert.Contains("Leases.TakeSql", names);
        Assert.True(names.Count >= 12, string.Join(", ", names));
    }

    [Theory]
    [MemberData(nameof(Statements))]
    public void Statement_prepares_against_the_migrated_schema(string name)
    {
        _ = factory.Services; // starts the console: its migrations build the schema
        var sql = RawStatements().Single(s => s.Name == name).Sql;

        using var connection = new SqliteConnection($"Data Source={factory.DatabasePath}");
        connection.Open();
        // With these off a double-quoted name that is no column is an error instead of silently becoming a string
        // literal (SQLite's legacy rule), so a misspelt "Column" cannot prepare.
        Assert.Equal(raw.SQLITE_OK, raw.sqlite3_db_config(connection.Handle, raw.SQLITE_DBCONFIG_DQS_DML, 0, out _));
        Assert.Equal(raw.SQLITE_OK, raw.sqlite3_db_config(connection.Handle, raw.SQLITE_DBCONFIG_DQS_DDL, 0, out _));
        // EF's positional placeholders ({0}) become parameters, as EF itself does.
        sql = System.Text.RegularExpressions.Regex.Replace(sql, @"\{(\d+)\}", "$$p$1");

        var rc = raw.sqlite3_prepare_v2(connection.Handle, sql, out var statement);
        var error = raw.sqlite3_errmsg(connection.Handle).utf8_to_string();
        statement.Dispose();
        Assert.True(rc == raw.SQLITE_OK, $"{name}: {error}\n{sql}");
    }

    [Fact]
    public void A_misspelt_quoted_column_does_not_prepare()
    {
        _ = factory.Services;
        using var connection = new SqliteConnection($"Data Source={factory.DatabasePath}");
        connection.Open();
        raw.sqlite3_db_config(connection.Handle, raw.SQLITE_DBCONFIG_DQS_DML, 0, out _);

        var rc = raw.sqlite3_prepare_v2(connection.Handle, "SELECT \"Chanel\" FROM \"ChannelStates\"", out var statement);
        statement.Dispose();
        Assert.Equal(raw.SQLITE_ERROR, rc);
    }

    internal static IEnumerable<(string Name, string Sql)> RawStatements() =>
        typeof(Program).Assembly.GetTypes()
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
                .Where(f => f.IsLiteral && f.FieldType == typeof(string) && f.Name.EndsWith("Sql", StringComparison.Ordinal))
                .Select(f => ($"{t.Name}.{f.Name}", (string)f.GetRawConstantValue()!)))
            .OrderBy(s => s.Item1, StringComparer.Ordinal);
}

/// <summary>The PostgreSQL half of <see cref="RawSqlTests"/>: each statement PREPAREd against the PostgreSQL migrations' schema.</summary>
public class RawPostgresSqlTests(ConsoleFactory.OnPostgres factory) : IClassFixture<ConsoleFactory.OnPostgres>
{
    public static TheoryData<string> Statements()
    {
        var data = new TheoryData<string>();
        foreach (var (name, _) in RawSqlTests.RawStatements().Where(s => RawSqlTests.RunsOn(s.Name, DatabaseProvider.Postgres)))
            data.Add(name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Statements))]
    public async Task Statement_prepares_against_the_migrated_schema(string name)
    {
        var sql = RawSqlTests.RawStatements().Single(s => s.Name == name).Sql;
        // Named parameters (@id) and EF's placeholders ({0}) become PostgreSQL's positional ones, as Npgsql does.
        var names = new List<string>();
        sql = System.Text.RegularExpressions.Regex.Replace(sql, @"(?<![@\w])@(\w+)|\{(\d+)\}", m =>
        {
            var key = m.Value;
            if (!names.Contains(key)) names.Add(key);
            return "$" + (names.IndexOf(key) + 1);
        });

        await using var connection = factory.CreateDirectConnection();
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        // PREPARE takes the statements that plan; a SET or LISTEN is checked by running it (in a transaction rolled back).
        var runs = sql.TrimStart() is var start && (start.StartsWith("SET ", StringComparison.Ordinal) || start.StartsWith("LISTEN ", StringComparison.Ordinal));
        cmd.CommandText = runs ? sql : "PREPARE raw_sql_check AS " + sql;
        try
        {
            await cmd.ExecuteNonQueryAsync();
        }
        catch (Npgsql.PostgresException e)
        {
            Assert.Fail($"{name}: {e.MessageText}\n{sql}");
        }
    }
}
