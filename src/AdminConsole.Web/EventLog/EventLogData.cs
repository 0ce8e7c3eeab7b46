using AdminConsole.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.EventLog;

/// <summary>This feature's tables as sets of the console's <see cref="AppDbContext"/> (call sites read <c>db.AuditEntries</c>).</summary>
public static class EventLogData
{
    extension(AppDbContext db)
    {
        public DbSet<AuditEntry> AuditEntries => db.Set<AuditEntry>();
        public DbSet<AuditChainState> AuditChainStates => db.Set<AuditChainState>();
        public DbSet<ActivityMinute> ActivityMinutes => db.Set<ActivityMinute>();
    }
}
