using AdminConsole.Web.Classes;
using AdminConsole.Web.EventLog;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Data;

/// <summary>The console's one database: Identity plus classes, the event log and the webhook projection.</summary>
public class AppDbContext(DbContextOptions<AppDbContext> options) : IdentityDbContext<AppUser>(options)
{
    public DbSet<SchoolClass> Classes => Set<SchoolClass>();
    public DbSet<ClassMembership> ClassMemberships => Set<ClassMembership>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
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

        builder.Entity<SchoolClass>(e =>
        {
            e.HasIndex(c => c.Name);
            e.HasMany(c => c.Members).WithOne(m => m.Class).HasForeignKey(m => m.ClassId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<ClassMembership>(e =>
        {
            e.HasKey(m => new { m.ClassId, m.UserId });
            // ChannelAuthorizer asks "which classes is this user in" on every subscription.
            e.HasIndex(m => m.UserId);
            e.HasOne(m => m.User).WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}
