using AdminConsole.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Compose;

/// <summary>This feature's tables as sets of the console's <see cref="AppDbContext"/> (call sites read <c>db.SentEvents</c>).</summary>
public static class ComposeData
{
    extension(AppDbContext db)
    {
        public DbSet<SentEvent> SentEvents => db.Set<SentEvent>();
    }
}
