using AdminConsole.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Classes;

/// <summary>This feature's tables as sets of the console's <see cref="AppDbContext"/> (call sites read <c>db.Classes</c>).</summary>
public static class ClassesData
{
    extension(AppDbContext db)
    {
        public DbSet<SchoolClass> Classes => db.Set<SchoolClass>();
        public DbSet<ClassMembership> ClassMemberships => db.Set<ClassMembership>();
    }
}
