using System.Reflection;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace AdminConsole.Web.Tests.Data;

/// <summary>
/// The hot paths write through hand-written SQL (<c>const string …Sql</c> fields) that repeats EF Core's table and
/// column names. Each statement is prepared against the schema the migrations build, so a renamed property, a
/// dropped column or a typo fails here instead of in the webhook writer at run time.
/// </summary>
public class RawSqlTests(ConsoleFactory factory) : IClassFixture<ConsoleFactory>
{
    public static TheoryData<string> Statements()
    {
        var data = new TheoryData<string>();
        foreach (var (name, _) in RawStatements())
            data.Add(name);
        return data;
    }

    [Fact]
    public void Every_hot_path_statement_is_found()
    {
        var names = RawStatements().Select(s => s.Name).ToList();
        Assert.Contains("IngestStatements.InsertBatchSql", names);
        Assert.Contains("IngestStatements.InsertEventSql", names);
        Assert.Contains("OccupancyProjector.UpsertChannelSql", names);
        Assert.Contains("OccupancyProjector.UpsertMemberSql", names);
        Assert.Contains("AuditAppender.InsertSql", names);
        Assert.Contains("AuditChain.LockHeadSql", names);
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

    private static IEnumerable<(string Name, string Sql)> RawStatements() =>
        typeof(Program).Assembly.GetTypes()
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
                .Where(f => f.IsLiteral && f.FieldType == typeof(string) && f.Name.EndsWith("Sql", StringComparison.Ordinal))
                .Select(f => ($"{t.Name}.{f.Name}", (string)f.GetRawConstantValue()!)))
            .OrderBy(s => s.Item1, StringComparer.Ordinal);
}
