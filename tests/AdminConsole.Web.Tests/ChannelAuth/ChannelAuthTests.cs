using System.Data.Common;
using System.Net;
using System.Text.Json.Nodes;
using AdminConsole.Web.Classes;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace AdminConsole.Web.Tests.ChannelAuth;

/// <summary>Counts the SQL commands that read memberships, roles or users.</summary>
public sealed class MembershipReads : DbCommandInterceptor
{
    private int _count;
    public int Count => Volatile.Read(ref _count);

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        if (command.CommandText.Contains("ClassMemberships") || command.CommandText.Contains("AspNetUserRoles"))
            Interlocked.Increment(ref _count);
        return ValueTask.FromResult(result);
    }
}

public class CountingConsole : PusherConsoleFactory
{
    /// <summary>The same console on PostgreSQL.</summary>
    public new sealed class OnPostgres : CountingConsole
    {
        public override DatabaseProvider Provider => DatabaseProvider.Postgres;
    }

    public MembershipReads Reads { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(s => s.ConfigureDbContext<AppDbContext>((_, o) => o.AddInterceptors(Reads)));
    }
}

public abstract class ChannelAuthTests<TConsole>(TConsole console) : IClassFixture<TConsole> where TConsole : CountingConsole
{
    private static FormUrlEncodedContent Form(string socketId, string channel) =>
        new(new Dictionary<string, string> { ["socket_id"] = socketId, ["channel_name"] = channel });

    [Fact]
    public async Task Allowed_and_refused_decisions_are_audited_with_user_channel_socket_and_reason()
    {
        var client = await console.SignInAsync(DemoUser.Student);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/pusher/auth", Form("11.21", "private-class-1"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("/pusher/auth", Form("11.22", "private-class-2"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync("/pusher/auth", Form("bad", "private-class-1"))).StatusCode);
        var studentId = await console.UserIdAsync(DemoUser.Student);

        await console.EventuallyAsync(db => db.AuditEntries.CountAsync(a => a.Kind == AuditKinds.ChannelAuth && a.ActorId == studentId && a.Data!.Contains("11.2")).ContinueWith(t => t.Result >= 2), "two audited decisions");
        var entries = await console.WithDbAsync(db => db.AuditEntries.Where(a => a.Kind == AuditKinds.ChannelAuth && a.ActorId == studentId).ToListAsync());

        var allowed = Assert.Single(entries, e => e.Data!.Contains("11.21"));
        Assert.Equal("allowed", allowed.Outcome);
        Assert.Equal("private-class-1", allowed.Channel);
        Assert.Equal(DemoUser.Student.Email, allowed.ActorName);
        Assert.Contains("student of the class", allowed.Data);

        var refused = Assert.Single(entries, e => e.Data!.Contains("11.22"));
        Assert.Equal("refused", refused.Outcome);
        Assert.Equal("private-class-2", refused.Channel);
        Assert.Contains("not a teacher or student of this class", refused.Data);

        await console.EventuallyAsync(db => db.AuditEntries.AnyAsync(a => a.Kind == AuditKinds.ChannelAuth && a.ActorId == studentId && a.Outcome == "malformed"), "the malformed request audited");

        // The batched writer seals its entries into the event log's hash chain like every other writer.
        var verdict = await console.WithDbAsync(db => new AuditChainVerifier(db).VerifyAsync());
        Assert.True(verdict.Intact, verdict.Message);
    }

    [Fact]
    public async Task Anonymous_gets_401_not_a_redirect()
    {
        var response = await console.CreateBrowserLikeClient().PostAsync("/pusher/auth", Form("1.1", "private-class-1"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var userAuth = await console.CreateBrowserLikeClient().PostAsync("/pusher/user-auth", new FormUrlEncodedContent(new Dictionary<string, string> { ["socket_id"] = "1.1" }));
        Assert.Equal(HttpStatusCode.Unauthorized, userAuth.StatusCode);
    }

    [Fact]
    public async Task Membership_changes_take_effect_on_the_next_request_without_anyone_invalidating()
    {
        var client = await console.SignInAsync(DemoUser.OtherStudent);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("/pusher/auth", Form("5.1", "private-class-1"))).StatusCode);

        var userId = await console.UserIdAsync(DemoUser.OtherStudent);
        await console.WithDbAsync(async db =>
        {
            db.ClassMemberships.Add(new ClassMembership { ClassId = 1, UserId = userId, Role = ClassRole.Student, AddedUtc = DateTime.UtcNow });
            return await db.SaveChangesAsync();
        });
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/pusher/auth", Form("5.2", "private-class-1"))).StatusCode);

        await console.WithDbAsync(async db =>
        {
            db.ClassMemberships.Remove(await db.ClassMemberships.SingleAsync(m => m.ClassId == 1 && m.UserId == userId));
            return await db.SaveChangesAsync();
        });
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("/pusher/auth", Form("5.3", "private-class-1"))).StatusCode);
    }

    [Fact]
    public async Task Archiving_a_class_refuses_its_members_at_once()
    {
        var classId = await console.WithDbAsync(async db =>
        {
            var teacher = await db.Users.SingleAsync(u => u.Email == DemoUser.Teacher.Email);
            var cls = new SchoolClass { Name = "Chemistry 7C", CreatedUtc = DateTime.UtcNow };
            cls.Members.Add(new ClassMembership { UserId = teacher.Id, Role = ClassRole.Teacher, AddedUtc = DateTime.UtcNow });
            db.Classes.Add(cls);
            await db.SaveChangesAsync();
            return cls.Id;
        });
        var client = await console.SignInAsync(DemoUser.Teacher);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/pusher/auth", Form("6.1", $"presence-class-{classId}"))).StatusCode);

        await console.WithDbAsync(async db =>
        {
            (await db.Classes.FindAsync(classId))!.Archived = true;
            return await db.SaveChangesAsync();
        });
        var refused = await client.PostAsync("/pusher/auth", Form("6.2", $"presence-class-{classId}"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("This class is archived.", await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Repeated_authorizations_read_no_memberships_from_the_database()
    {
        var client = await console.SignInAsync(DemoUser.Teacher);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/pusher/auth", Form("7.0", "private-class-1"))).StatusCode);
        var before = console.Reads.Count;
        Assert.True(before > 0, "the counting interceptor saw the membership snapshot load");
        for (var i = 1; i <= 50; i++)
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/pusher/auth", Form($"7.{i}", "presence-class-1"))).StatusCode);
        Assert.Equal(before, console.Reads.Count);
    }

    [Fact]
    [Trait("Needs", "Node")]
    public async Task User_sign_in_is_signed_like_the_npm_library_with_id_and_user_info()
    {
        var client = await console.SignInAsync(DemoUser.OtherStudent);
        var response = await client.PostAsync("/pusher/user-auth", new FormUrlEncodedContent(new Dictionary<string, string> { ["socket_id"] = "99.100" }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        var userData = JsonNode.Parse(answer["user_data"]!.GetValue<string>())!.AsObject();
        Assert.Equal(await console.UserIdAsync(DemoUser.OtherStudent), userData["id"]!.GetValue<string>());
        Assert.Equal("Zoë Student", userData["user_info"]!["name"]!.GetValue<string>());
        Assert.Equal("Student", userData["user_info"]!["role"]!.GetValue<string>());

        var oracle = await NodeOracle.RunAsync(new JsonObject
        {
            ["user"] = new JsonArray(new JsonObject
            {
                ["key"] = PusherConsoleFactory.Key,
                ["secret"] = PusherConsoleFactory.Secret,
                ["socketId"] = "99.100",
                ["userId"] = userData["id"]!.GetValue<string>(),
                ["userInfo"] = userData["user_info"]!.DeepClone(),
            }),
        });
        var expected = oracle["user"]![0]!;
        Assert.Equal(expected["user_data"]!.GetValue<string>(), answer["user_data"]!.GetValue<string>());
        Assert.Equal(expected["auth"]!.GetValue<string>(), answer["auth"]!.GetValue<string>());

        var malformed = await client.PostAsync("/pusher/user-auth", new FormUrlEncodedContent(new Dictionary<string, string> { ["socket_id"] = "1.1\n" }));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
    }

    [Fact]
    public async Task A_request_that_is_not_a_form_is_a_400()
    {
        var client = await console.SignInAsync(DemoUser.Admin);
        var response = await client.PostAsync("/pusher/auth", new StringContent("{\"socket_id\":\"1.1\",\"channel_name\":\"private-class-1\"}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}

public sealed class NoMasterKeyConsole : PusherConsoleFactory
{
    protected override bool WithMasterKey => false;
}

public class EncryptedChannelsWithoutKeyTests(NoMasterKeyConsole console) : IClassFixture<NoMasterKeyConsole>
{
    [Fact]
    public async Task Encrypted_channels_are_refused_with_a_clear_reason()
    {
        var client = await console.SignInAsync(DemoUser.Student);
        var response = await client.PostAsync("/pusher/auth", new FormUrlEncodedContent(new Dictionary<string, string> { ["socket_id"] = "1.2", ["channel_name"] = "private-encrypted-class-1" }));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("no encryption master key is configured", await response.Content.ReadAsStringAsync());
    }
}

public sealed class StrictRateLimitConsole : PusherConsoleFactory
{
    protected override int AuthPermitLimit => 5;
}

public class ChannelAuthRateLimitTests(StrictRateLimitConsole console) : IClassFixture<StrictRateLimitConsole>
{
    [Fact]
    public async Task Past_the_per_user_limit_requests_get_429_and_other_users_are_unaffected()
    {
        var student = await console.SignInAsync(DemoUser.Student);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
            statuses.Add((await student.PostAsync("/pusher/auth", new FormUrlEncodedContent(new Dictionary<string, string> { ["socket_id"] = $"1.{i}", ["channel_name"] = "private-class-1" }))).StatusCode);
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.OK, 5), statuses.Take(5));
        Assert.All(statuses.Skip(5), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));

        var teacher = await console.SignInAsync(DemoUser.Teacher);
        var other = await teacher.PostAsync("/pusher/auth", new FormUrlEncodedContent(new Dictionary<string, string> { ["socket_id"] = "2.1", ["channel_name"] = "private-class-1" }));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }
}

public sealed class ChannelAuthTests(CountingConsole console) : ChannelAuthTests<CountingConsole>(console);

public sealed class ChannelAuthTestsOnPostgres(CountingConsole.OnPostgres console) : ChannelAuthTests<CountingConsole.OnPostgres>(console);
