using System.Security.Claims;
using AdminConsole.Web.Classes;
using AdminConsole.Web.Data;
using AdminConsole.Web.Shared;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Occupancy;

/// <summary>Who is online: a teacher sees the presence channels of the classes they teach, an admin every presence channel.</summary>
public class PresenceModel(AppDbContext db) : PageModel
{
    public sealed record PresenceChannel(string Channel, string Title, List<PresenceView> Online);

    public List<PresenceChannel> Channels { get; private set; } = [];
    public bool SeesAll { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        SeesAll = User.IsInRole(Roles.Admin);
        var titles = new Dictionary<string, string>(StringComparer.Ordinal);
        if (SeesAll)
        {
            foreach (var c in await db.Classes.AsNoTracking().Where(c => !c.Archived).OrderBy(c => c.Name).ToListAsync(ct))
                titles[c.PresenceChannel] = c.Name;
            foreach (var role in Roles.All)
                titles[ChannelNames.PresenceRole(role)] = role + "s";
            foreach (var known in await db.ChannelStates.AsNoTracking().Where(c => c.Kind == "presence").Select(c => c.Channel).ToListAsync(ct))
                titles.TryAdd(known, known);
        }
        else
        {
            // Only classes this teacher teaches: checked here, never taken from the request.
            var userId = User.FindFirstValue(ClaimTypes.NameIdentifier);
            var taught = await db.ClassMemberships.AsNoTracking()
                .Where(m => m.UserId == userId && m.Role == ClassRole.Teacher && !m.Class!.Archived)
                .Select(m => new { m.ClassId, m.Class!.Name })
                .OrderBy(m => m.Name)
                .ToListAsync(ct);
            foreach (var c in taught)
                titles[ChannelNames.PresenceClass(c.ClassId)] = c.Name;
        }

        var members = await PresenceQueries.MembersAsync(db, titles.Keys.ToList(), ct);
        var online = members.Where(m => m.Present).ToLookup(m => m.Channel);
        Channels = titles.Select(t => new PresenceChannel(t.Key, t.Value, online[t.Key].ToList())).ToList();
    }
}
