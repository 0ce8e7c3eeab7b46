using AdminConsole.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Occupancy;

/// <summary>Reads presence members with the display name of the console user behind each user_id.</summary>
internal static class PresenceQueries
{
    /// <summary>
    /// Members (online and offline) of the given channels. Presence user_ids are Identity user ids (see
    /// ChannelAuthorizer), so the name comes from the users table; ids from elsewhere show as they are.
    /// </summary>
    public static async Task<List<PresenceView>> MembersAsync(AppDbContext db, IReadOnlyCollection<string> channels, CancellationToken ct)
    {
        return await (
            from m in db.PresenceMembers.AsNoTracking()
            where channels.Contains(m.Channel)
            join u in db.Users on m.UserId equals u.Id into users
            from u in users.DefaultIfEmpty()
            orderby m.Channel, m.SinceMs
            select new PresenceView(m.Channel, m.UserId, u == null ? null : u.DisplayName, m.Present, m.SinceMs))
            .ToListAsync(ct);
    }
}
