using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AdminConsole.Web.Classes;

internal sealed class SchoolClassConfiguration : IEntityTypeConfiguration<SchoolClass>
{
    public void Configure(EntityTypeBuilder<SchoolClass> e)
    {
        e.ToTable("Classes");
        e.HasIndex(c => c.Name);
        e.HasMany(c => c.Members).WithOne(m => m.Class).HasForeignKey(m => m.ClassId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ClassMembershipConfiguration : IEntityTypeConfiguration<ClassMembership>
{
    public void Configure(EntityTypeBuilder<ClassMembership> e)
    {
        e.ToTable("ClassMemberships");
        e.HasKey(m => new { m.ClassId, m.UserId });
        // ChannelAuthorizer asks "which classes is this user in" on every subscription.
        e.HasIndex(m => m.UserId);
        e.HasOne(m => m.User).WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
