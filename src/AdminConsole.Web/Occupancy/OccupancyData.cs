using AdminConsole.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Occupancy;

/// <summary>This feature's tables as sets of the console's <see cref="AppDbContext"/> (call sites read <c>db.ChannelStates</c>).</summary>
public static class OccupancyData
{
    extension(AppDbContext db)
    {
        public DbSet<ChannelState> ChannelStates => db.Set<ChannelState>();
        public DbSet<PresenceMember> PresenceMembers => db.Set<PresenceMember>();
    }
}
