using System.Security.Claims;
using AdminConsole.Web.Classes;
using AdminConsole.Web.Compose;
using AdminConsole.Web.Data;
using AdminConsole.Web.Occupancy;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Dashboard;

/// <summary>
/// A teacher's home: their classes, each with who is online now (the presence projection, kept live by
/// presence.js over the console hub), the last announcements sent to it and a button to announce to it.
/// </summary>
public class TeacherModel(AppDbContext db) : PageModel
{
    public const int RecentSends = 3;

    public sealed record ClassCard(int Id, string Name, int Students, string PresenceChannel, List<PresenceView> Online, IReadOnlyList<SentEvent> Recent);

    public IReadOnlyList<ClassCard> Classes { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        // Only the classes this teacher teaches: from the signed-in user, never from the request.
        var userId = User.FindFirstValue(ClaimTypes.NameIdentifier);
        var taught = await db.ClassMemberships.AsNoTracking()
            .Where(m => m.UserId == userId && m.Role == ClassRole.Teacher && !m.Class!.Archived)
            .Select(m => new { m.ClassId, m.Class!.Name, Students = m.Class.Members.Count(s => s.Role == ClassRole.Student) })
            .ToListAsync(ct);
        var presence = taught.Select(c => ChannelNames.PresenceClass(c.ClassId)).ToList();
        var online = (await PresenceQueries.MembersAsync(db, presence, ct)).Where(m => m.Present).ToLookup(m => m.Channel);

        var cards = new List<ClassCard>();
        foreach (var c in taught.OrderBy(c => c.Name, StringComparer.CurrentCultureIgnoreCase))
        {
            var channels = new[] { ChannelNames.PrivateClass(c.ClassId), ChannelNames.PresenceClass(c.ClassId), ChannelNames.PrivateEncryptedClass(c.ClassId) };
            var recent = await db.SentEvents.AsNoTracking().SentToAnyOf(channels).OrderByDescending(s => s.Id).Take(RecentSends).ToListAsync(ct);
            var channel = ChannelNames.PresenceClass(c.ClassId);
            cards.Add(new ClassCard(c.ClassId, c.Name, c.Students, channel, online[channel].ToList(), recent));
        }
        Classes = cards;
    }

    /// <summary>An announcement's title, or the event name for anything else.</summary>
    public static string Headline(SentEvent sent)
    {
        if (sent.EventName == "announcement")
        {
            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(sent.Data);
                if (doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                    && doc.RootElement.TryGetProperty("title", out var t) && t.ValueKind == System.Text.Json.JsonValueKind.String)
                    return t.GetString()!;
            }
            catch (System.Text.Json.JsonException)
            {
                // Not JSON: fall through to the event name.
            }
        }
        return sent.EventName;
    }
}
