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
    public DbSet<AuditChainState> AuditChainStates => Set<AuditChainState>();
    public DbSet<ActivityMinute> ActivityMinutes => Set<ActivityMinute>();

    // Added audit entries are sealed into the hash chain in the same transaction (EventLog/AuditChain.cs).
    public override int SaveChanges(bool acceptAllChangesOnSuccess) =>
        AuditChain.Save(this, () => base.SaveChanges(acceptAllChangesOnSuccess));

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default) =>
        AuditChain.SaveAsync(this, ct => base.SaveChangesAsync(acceptAllChangesOnSuccess, ct), cancellationToken);

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        // Feature folders keep their own IEntityTypeConfiguration<T> classes next to their entities.
        builder.ApplyConfigurationsFromAssembly(typeof(AppDbContext).Assembly);
    }
}
