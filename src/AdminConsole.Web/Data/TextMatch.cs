using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query.SqlExpressions;

namespace AdminConsole.Web.Data;

/// <summary>
/// "Contains, ignoring case" in a query, the same on both engines. SQLite's LIKE already ignores ASCII case; PostgreSQL's
/// is case-sensitive, so there the same LIKE compares lower(value) with lower(pattern) (Unicode-aware: "ZOË" finds
/// "zoë", which SQLite without ICU cannot). Each context maps <see cref="Like"/> to its engine's form, so a feature
/// writes one query and never asks which engine it runs on. Accents are not folded in SQL (see Shared/SearchText).
/// </summary>
public static class TextMatch
{
    /// <summary>Whether <paramref name="value"/> matches <paramref name="pattern"/> (a LIKE pattern escaped with \), ignoring case. Only in queries.</summary>
    public static bool Like(string? value, string pattern) =>
        throw new InvalidOperationException($"{nameof(TextMatch)}.{nameof(Like)} is translated to SQL and cannot run in memory.");

    /// <summary>The LIKE pattern that finds <paramref name="text"/> anywhere, its own %, _ and \ taken literally.</summary>
    public static string ContainsPattern(string text) =>
        "%" + text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";

    private static readonly System.Reflection.MethodInfo LikeMethod = typeof(TextMatch).GetMethod(nameof(Like))!;

    /// <summary>SQLite: <c>value LIKE pattern ESCAPE '\'</c>.</summary>
    internal static void MapForSqlite(ModelBuilder builder) =>
        builder.HasDbFunction(LikeMethod).HasTranslation(a => new LikeExpression(a[0], a[1], Escape(), null));

    /// <summary>PostgreSQL: <c>lower(value) LIKE lower(pattern) ESCAPE '\'</c>.</summary>
    internal static void MapForPostgres(ModelBuilder builder) =>
        builder.HasDbFunction(LikeMethod).HasTranslation(a => new LikeExpression(Lower(a[0]), Lower(a[1]), Escape(), null));

    private static SqlExpression Escape() => new SqlConstantExpression("\\", typeof(string), null);

    private static SqlExpression Lower(SqlExpression value) =>
        new SqlFunctionExpression("lower", [value], nullable: true, argumentsPropagateNullability: [true], typeof(string), value.TypeMapping);
}
