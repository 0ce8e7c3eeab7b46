using AdminConsole.Web.ChannelAuth;
using AdminConsole.Web.Classes;
using AdminConsole.Web.Data;
using AdminConsole.Web.Memberships;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminConsole.Web.Tests.Memberships;

public class MembershipCacheTransactionTests(ConsoleFactory factory) : IClassFixture<ConsoleFactory>
{
    [Fact]
    public async Task A_membership_saved_inside_a_transaction_is_seen_once_the_transaction_commits()
    {
        var cache = factory.Services.GetRequiredService<MembershipCache>();
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var student = await db.Users.SingleAsync(u => u.Email == DemoUser.OtherStudent.Email);

        await using (var tx = await db.Database.BeginTransactionAsync())
        {
            db.ClassMemberships.Add(new ClassMembership { ClassId = 1, UserId = student.Id, Role = ClassRole.Student, AddedUtc = new DateTime(2026, 11, 26, 0, 0, 0, DateTimeKind.Utc) });
            await db.SaveChangesAsync();

            // A reader between the save and the commit sees the old rows (WAL snapshot) and caches them.
            var during = await cache.GetAsync();
            Assert.False(during.Find(student.Id)!.Classes.ContainsKey(1));

            await tx.CommitAsync();
        }

        var after = await cache.GetAsync();
        Assert.True(after.Find(student.Id)!.Classes.ContainsKey(1), "the cache kept the snapshot read before the commit");
    }
}
