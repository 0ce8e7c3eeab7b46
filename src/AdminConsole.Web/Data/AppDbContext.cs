using AdminConsole.Web.Classes;
using AdminConsole.Web.Compose;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Occupancy;
using AdminConsole.Web.Webhooks;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Data;

/// <summary>The console's one database: Identity plus classes, the event log and the webhook projection.</summary>
public class AppDbContext(DbContextOptions<AppDbContext> options) : IdentityDbContext<AppUser>(options)
{
    public DbSet<SchoolClass> Classes => Set<SchoolClass>();
    public DbSet<ClassMembership> ClassMemberships => Set<ClassMembership>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<WebhookBatch> WebhookBatches => Set<WebhookBatch>();
    public DbSet<ReceivedWebhookEvent> WebhookEvents => Set<ReceivedWebhookEvent>();
    public DbSet<WebhookRejection> WebhookRejections => Set<WebhookRejection>();
    public DbSet<ChannelState> ChannelStates => Set<ChannelState>();
    public DbSet<PresenceMember> PresenceMembers => Set<PresenceMember>();
    public DbSet<SentEvent> SentEvents => Set<SentEvent>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        // Feature folders keep their own IEntityTypeConfiguration<T> classes next to their entities.
        builder.ApplyConfigurationsFromAssembly(typeof(AppDbContext).Assembly);

        builder.Entity<AuditEntry>(e =>
        {
            e.HasIndex(a => a.TimeUtc);
            e.HasIndex(a => new { a.Kind, a.Id });
            e.HasIndex(a => new { a.Channel, a.Id });
        });
    }
}
