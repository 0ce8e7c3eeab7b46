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

        builder.Entity<AuditEntry>(e =>
        {
            e.HasIndex(a => a.TimeUtc);
            e.HasIndex(a => new { a.Kind, a.Id });
            e.HasIndex(a => new { a.Channel, a.Id });
        });
    }
}
