using System.Text.Json;
using AdminConsole.Web.Compose;
using AdminConsole.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Student;

/// <summary>One stored send as the student's page shows it.</summary>
public sealed record PastAnnouncement(long Id, DateTime SentUtc, string Channel, string Label, string EventName, string Data, bool Encrypted, bool IsNew)
{
    /// <summary>An "announcement" event's title, body and level (as student.js reads them); null for any other event.</summary>
    public (string Title, string Body, string Level)? Announcement
    {
        get
        {
            if (EventName != "announcement") return null;
            try
            {
                using var doc = JsonDocument.Parse(Data);
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object) return null;
                string? Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                var level = Text("level");
                return (Text("title") ?? "(no title)", Text("body") ?? "", level is "info" or "warning" or "urgent" ? level : "info");
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }
}

/// <summary>A page of a student's past announcements, newest first, and the keyset cursor of the next (older) page.</summary>
public sealed record AnnouncementPage(IReadOnlyList<PastAnnouncement> Items, long? OlderThan);

/// <summary>
/// The announcements a student may see, read from what Compose stores for every send (the plaintext, so sends to
/// encrypted channels are included): the successful sends to any of the channels the student may join.
/// </summary>
public sealed class AnnouncementHistory(AppDbContext db)
{
    public const int PageSize = 50;

    /// <param name="channels">The student's channels with the label to show for each (class name, "Just you", …).</param>
    public async Task<AnnouncementPage> PageAsync(IReadOnlyDictionary<string, string> channels, long? before, DateTime? lastVisitUtc, CancellationToken ct)
    {
        if (channels.Count == 0) return new([], null);
        var query = db.SentEvents.AsNoTracking().SentToAnyOf(channels.Keys);
        if (before is { } cursor) query = query.Where(s => s.Id < cursor);
        var rows = await query.OrderByDescending(s => s.Id).Take(PageSize + 1).ToListAsync(ct);

        var items = rows.Take(PageSize).Select(s =>
        {
            var channel = s.ChannelList().First(channels.ContainsKey);
            return new PastAnnouncement(s.Id, s.CreatedUtc, channel, channels[channel], s.EventName, s.Data,
                channel.StartsWith("private-encrypted-", StringComparison.Ordinal),
                lastVisitUtc is { } seen && s.CreatedUtc > seen);
        }).ToList();
        return new(items, rows.Count > PageSize ? rows[PageSize - 1].Id : null);
    }
}
