using System.Globalization;
using System.Text;

namespace AdminConsole.Web.EventLog;

/// <summary>
/// Writes the log as RFC 4180 CSV straight to a stream, one row at a time, flushing as it goes so the download
/// starts at once and memory does not grow with the number of rows.
/// </summary>
public static class EventLogCsv
{
    public static readonly string[] Header =
        ["id", "time_utc", "kind", "actor", "actor_id", "channel", "event", "outcome", "target", "data", "hash"];

    private const int FlushEveryRows = 500;

    public static async Task<long> WriteAsync(Stream output, IAsyncEnumerable<AuditEntry> entries, CancellationToken ct)
    {
        // UTF-8 with a BOM: without one, Excel reads the file as the machine's ANSI code page (Zoë becomes ZoÃ«).
        await using var writer = new StreamWriter(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), bufferSize: 64 * 1024, leaveOpen: true)
        {
            NewLine = "\r\n",
        };
        await writer.WriteLineAsync(string.Join(',', Header));
        // The header goes out before the first query runs: the client sees the download start immediately.
        await writer.FlushAsync(ct);

        long rows = 0;
        // Rows are collected into one buffer and written in chunks: an async write per row costs more than the row.
        var line = new StringBuilder(64 * 1024);
        await foreach (var e in entries.WithCancellation(ct))
        {
            line.Append(e.Id.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(FormatTime(e.TimeUtc)).Append(',');
            AppendCell(line, e.Kind).Append(',');
            AppendCell(line, e.ActorName).Append(',');
            AppendCell(line, e.ActorId).Append(',');
            AppendCell(line, e.Channel).Append(',');
            AppendCell(line, e.EventName).Append(',');
            AppendCell(line, e.Outcome).Append(',');
            AppendCell(line, e.Target).Append(',');
            AppendCell(line, e.Data).Append(',');
            line.Append(Convert.ToHexStringLower(e.Hash)).Append("\r\n");
            if (++rows % FlushEveryRows == 0 || line.Length > 48 * 1024)
            {
                await writer.WriteAsync(line, ct);
                line.Clear();
                if (rows % FlushEveryRows == 0)
                    await writer.FlushAsync(ct);
            }
        }
        await writer.WriteAsync(line, ct);
        await writer.FlushAsync(ct);
        return rows;
    }

    /// <summary>ISO 8601 UTC with milliseconds, the form spreadsheets and log tools parse.</summary>
    public static string FormatTime(DateTime utc) =>
        DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>One cell: neutralised against formula injection, then quoted per RFC 4180 if it needs to be.</summary>
    public static string Cell(string? value) => AppendCell(new StringBuilder(), value).ToString();

    private static StringBuilder AppendCell(StringBuilder sb, string? value)
    {
        if (string.IsNullOrEmpty(value))
            return sb;
        // A spreadsheet evaluates a cell starting with = + - @ (or a tab/CR that some strip first) as a formula:
        // a webhook payload could carry =HYPERLINK(...) to an auditor's machine. A leading ' makes it text (OWASP).
        var neutralise = value[0] is '=' or '+' or '-' or '@' or '\t' or '\r';
        var quote = value.AsSpan().IndexOfAny(",\"\r\n") >= 0;
        if (quote) sb.Append('"');
        if (neutralise) sb.Append('\'');
        sb.Append(quote ? value.Replace("\"", "\"\"") : value);
        if (quote) sb.Append('"');
        return sb;
    }
}
