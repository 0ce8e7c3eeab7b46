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
    /// <summary>Lower case without combining marks (canonical decomposition, marks dropped).</summary>
    public static string Fold(string text)
    {
        var decomposed = text.Normalize(NormalizationForm.FormD);
        var folded = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
                folded.Append(char.ToLowerInvariant(c));
        return folded.ToString().Normalize(NormalizationForm.FormC);
    }

    /// <summary>Whether <paramref name="text"/> contains <paramref name="foldedQuery"/> (already <see cref="Fold"/>ed).</summary>
    public static bool Contains(string? text, string foldedQuery) =>
        text is not null && Fold(text).Contains(foldedQuery, StringComparison.Ordinal);
}
