using System.Globalization;
using System.Text;

namespace AdminConsole.Web.Shared;

/// <summary>
/// Matching what people type against names: case and accents are ignored, so "zoe" finds "Zoë" and "jose" finds
/// "José". Done in .NET rather than in SQL because neither SQLite's LIKE (ASCII case folding only) nor PostgreSQL's
/// ILIKE (without the unaccent extension) ignores accents, and the console must behave the same on both.
/// </summary>
public static class SearchText
{
    /// <summary>Lower-case, with combining marks removed after canonical decomposition (ë → e, é → e, ç → c).</summary>
    public static string Fold(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var decomposed = text.Normalize(NormalizationForm.FormD);
        var sb = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
                sb.Append(char.ToLowerInvariant(c));
        return sb.ToString().Normalize(NormalizationForm.FormC);
    }

    /// <summary>Whether <paramref name="text"/> contains <paramref name="foldedNeedle"/> (already <see cref="Fold"/>ed), ignoring case and accents.</summary>
    public static bool Contains(string? text, string foldedNeedle) =>
        foldedNeedle.Length > 0 && Fold(text).Contains(foldedNeedle, StringComparison.Ordinal);
}
