using System.ComponentModel.DataAnnotations;

namespace AdminConsole.Web.Data;

/// <summary>The "Database" configuration section: which engine <c>ConnectionStrings:Console</c> points at.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>
    /// <see cref="DatabaseProvider.Sqlite"/> (the default: one file, nothing to install) or
    /// <see cref="DatabaseProvider.Postgres"/> (an Npgsql connection string; what several instances share).
    /// </summary>
    [EnumDataType(typeof(DatabaseProvider))]
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;
}

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}
