using System.Security.Claims;
using System.Text.Json.Serialization;
using AdminConsole.Web.Classes;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Pusher;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Student;

/// <summary>
/// The student's page: the channels they may join, as <c>/pusher/auth</c> decides them (public, their own
/// private-user channel and the channels of the classes they are enrolled in). The subscribing is done by
/// pusher-js in wwwroot/js/student.js; this only says which channels and how to name them.
/// </summary>
public class IndexModel(AppDbContext db, PusherApp pusher, PusherClientSettings settings, TimeProvider time) : PageModel
{
    /// <summary>Where the last visit is kept: Identity's per-user token table, so no table of its own is needed.</summary>
    private const string VisitProvider = "AdminConsole";
    private const string VisitName = "StudentLastVisit";

    /// <summary>Sends newer than this are "new since your last visit"; stored sends from the last minute may arrive live too.</summary>
    private static readonly TimeSpan RecentWindow = TimeSpan.FromMinutes(1);

    public sealed record ClassView(
        [property: JsonPropertyName("id")] int Id,
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("teachers")] IReadOnlyList<string> Teachers,
        [property: JsonPropertyName("privateChannel")] string PrivateChannel,
        [property: JsonPropertyName("presenceChannel")] string PresenceChannel,
        [property: JsonPropertyName("encryptedChannel")] string? EncryptedChannel);

    public sealed record StudentChannels(
        [property: JsonPropertyName("userId")] string UserId,
        [property: JsonPropertyName("publicChannel")] string PublicChannel,
        [property: JsonPropertyName("userChannel")] string UserChannel,
        [property: JsonPropertyName("classes")] IReadOnlyList<ClassView> Classes);

    public StudentChannels Channels { get; private set; } = null!;

    public AnnouncementPage History { get; private set; } = new([], null);

    /// <summary>The previous visit (null on the first); what was sent since is marked new.</summary>
    public DateTime? LastVisitUtc { get; private set; }

    /// <summary>Stored sends after this may also arrive live; student.js shows such a send once.</summary>
    public DateTime RecentSinceUtc { get; private set; }

    /// <summary>True when this page shows older announcements (a later page of the history).</summary>
    public bool IsOlderPage { get; private set; }

    public sealed record ArchivedClass(string Name, DateTime? ArchivedUtc);

    /// <summary>Classes the student is enrolled in that were archived: their announcements stopped.</summary>
    public IReadOnlyList<ArchivedClass> Archived { get; private set; } = [];

    /// <summary>False when the console has no Channels service at all (local mode off, no Pusher app).</summary>
    public bool CanConnect => settings.Client is not null;

    public async Task OnGetAsync(long? before, CancellationToken ct)
    {
        // The signed-in user's own id, never one from the request.
        var userId = User.FindFirstValue(ClaimTypes.NameIdentifier)!;
        var classes = await db.ClassMemberships.AsNoTracking()
            .Where(m => m.UserId == userId && m.Role == ClassRole.Student && !m.Class!.Archived)
            .Select(m => new
            {
                m.ClassId,
                m.Class!.Name,
                Teachers = m.Class.Members.Where(t => t.Role == ClassRole.Teacher).Select(t => t.User!.DisplayName).ToList(),
            })
            .ToListAsync(ct);

        Channels = new StudentChannels(
            userId,
            ChannelNames.Public,
            ChannelNames.PrivateUser(userId),
            classes
                .OrderBy(c => c.Name, StringComparer.CurrentCultureIgnoreCase)
                .Select(c => new ClassView(c.ClassId, c.Name, c.Teachers.Order(StringComparer.CurrentCultureIgnoreCase).ToList(),
                    ChannelNames.PrivateClass(c.ClassId), ChannelNames.PresenceClass(c.ClassId),
                    pusher.HasEncryptionKey ? ChannelNames.PrivateEncryptedClass(c.ClassId) : null))
                .ToList());

        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Channels.PublicChannel] = "Whole school",
            [Channels.UserChannel] = "Just you",
        };
        foreach (var c in Channels.Classes)
        {
            labels[c.PrivateChannel] = c.Name;
            labels[c.PresenceChannel] = c.Name;
            // Listed even without a key now: what was sent encrypted before stays the student's to read.
            labels[ChannelNames.PrivateEncryptedClass(c.Id)] = c.Name;
        }

        var now = time.GetUtcNow().UtcDateTime;
        RecentSinceUtc = now - RecentWindow;
        IsOlderPage = before is not null;
        LastVisitUtc = await LastVisitAsync(userId, ct);
        if (!IsOlderPage)
            await RememberVisitAsync(userId, now, ct);
        History = await new AnnouncementHistory(db).PageAsync(labels, before, LastVisitUtc, ct);
        Archived = await ArchivedClassesAsync(userId, ct);
    }

    private async Task<DateTime?> LastVisitAsync(string userId, CancellationToken ct)
    {
        var value = await db.UserTokens.AsNoTracking()
            .Where(t => t.UserId == userId && t.LoginProvider == VisitProvider && t.Name == VisitName)
            .Select(t => t.Value).SingleOrDefaultAsync(ct);
        return DateTime.TryParse(value, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.RoundtripKind, out var at) ? at : null;
    }

    private async Task RememberVisitAsync(string userId, DateTime now, CancellationToken ct)
    {
        var stamp = now.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        var updated = await db.UserTokens
            .Where(t => t.UserId == userId && t.LoginProvider == VisitProvider && t.Name == VisitName)
            .ExecuteUpdateAsync(u => u.SetProperty(t => t.Value, stamp), ct);
        if (updated > 0) return;
        db.UserTokens.Add(new IdentityUserToken<string> { UserId = userId, LoginProvider = VisitProvider, Name = VisitName, Value = stamp });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // The same student's other tab stored it first: either time will do.
        }
    }

    private async Task<IReadOnlyList<ArchivedClass>> ArchivedClassesAsync(string userId, CancellationToken ct)
    {
        var archived = await db.ClassMemberships.AsNoTracking()
            .Where(m => m.UserId == userId && m.Role == ClassRole.Student && m.Class!.Archived)
            .Select(m => new { m.ClassId, m.Class!.Name })
            .ToListAsync(ct);
        var result = new List<ArchivedClass>();
        foreach (var c in archived.OrderBy(c => c.Name, StringComparer.CurrentCultureIgnoreCase))
        {
            // When it was archived is in the event log (the class row keeps only the flag).
            var target = ClassAdministration.Target(c.ClassId);
            var at = await db.AuditEntries.AsNoTracking()
                .Where(e => e.Kind == AuditKinds.ClassArchived && e.Target == target)
                .OrderByDescending(e => e.Id).Select(e => (DateTime?)e.TimeUtc).FirstOrDefaultAsync(ct);
            result.Add(new ArchivedClass(c.Name, at));
        }
        return result;
    }
}
