using Microsoft.Data.Sqlite;

namespace AdminConsole.Web.Data;

/// <summary>
/// Prepared statements for the webhook writer's hot path (ingest and projection), where EF's per-entity cost
/// dominated: prepared once per transaction, rebound for every row.
/// </summary>
internal static class PreparedSql
{
    public static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction transaction, string sql, params string[] parameters)
    {
        var cmd = connection.CreateCommand();
        cmd.Transaction = transaction;
        cmd.CommandText = sql;
        foreach (var p in parameters)
            cmd.Parameters.Add(new SqliteParameter(p, null));
        cmd.Prepare();
        return cmd;
    }

    /// <summary>Binds values in parameter order; null becomes SQL NULL.</summary>
    public static SqliteCommand Bind(this SqliteCommand cmd, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
            cmd.Parameters[i].Value = values[i] ?? DBNull.Value;
        return cmd;
    }
}
