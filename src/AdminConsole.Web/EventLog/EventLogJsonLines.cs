using System.Buffers;
using System.Text.Json;

namespace AdminConsole.Web.EventLog;

/// <summary>
/// Writes the log as JSON lines (<c>application/x-ndjson</c>): one object per entry, the CSV's columns as
/// fields, streamed and flushed in chunks like <see cref="EventLogCsv"/>. <c>data</c> is the payload string as
/// sealed (so the file can be checked against the hash chain); <c>jq '.data | fromjson'</c> reads it.
/// </summary>
public static class EventLogJsonLines
{
    public const string ContentType = "application/x-ndjson";

    // As the CSV: out every 500 rows (so the rows read so far leave before the next batch query) or 48 KB.
    private const int FlushEveryRows = 500;
    private const int FlushBytes = 48 * 1024;

    // Default escaping (HTML-sensitive characters as \uXXXX): a line opened in a browser is never markup.
    private static readonly JsonWriterOptions Options = new() { Indented = false };

    public static async Task<long> WriteAsync(Stream output, IAsyncEnumerable<AuditEntry> entries, CancellationToken ct)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        await using var json = new Utf8JsonWriter(buffer, Options);
        // Like the CSV: the response starts before the first query runs.
        await output.FlushAsync(ct);
        long rows = 0;
        await foreach (var e in entries.WithCancellation(ct))
        {
            json.Reset(buffer);
            json.WriteStartObject();
            json.WriteNumber("id", e.Id);
            json.WriteString("time_utc", EventLogCsv.FormatTime(e.TimeUtc));
            json.WriteString("kind", e.Kind);
            json.WriteString("actor", e.ActorName);
            json.WriteString("actor_id", e.ActorId);
            json.WriteString("channel", e.Channel);
            json.WriteString("event", e.EventName);
            json.WriteString("outcome", e.Outcome);
            json.WriteString("target", e.Target);
            json.WriteString("data", e.Data);
            json.WriteString("hash", Convert.ToHexStringLower(e.Hash));
            json.WriteEndObject();
            json.Flush();
            buffer.Write("\n"u8);
            rows++;
            if (rows % FlushEveryRows == 0 || buffer.WrittenCount >= FlushBytes)
            {
                await output.WriteAsync(buffer.WrittenMemory, ct);
                await output.FlushAsync(ct);
                buffer.ResetWrittenCount();
            }
        }
        await output.WriteAsync(buffer.WrittenMemory, ct);
        await output.FlushAsync(ct);
        return rows;
    }
}
