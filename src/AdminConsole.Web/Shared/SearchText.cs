using System.Globalization;
using System.Text;

namespace AdminConsole.Web.Shared;

/// <summary>
/// Text as people search it: case and accents ignored, so "zoe" finds "Zoë" and "ZOE". Done in C#, not SQL:
/// SQLite has no unaccent, and the things searched this way (people, classes) are thousands, not millions.
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
