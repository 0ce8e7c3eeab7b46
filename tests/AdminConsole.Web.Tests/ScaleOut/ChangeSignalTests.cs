using System.Diagnostics;
using System.Net;
using AdminConsole.Web.Classes;
using AdminConsole.Web.Cluster;
using AdminConsole.Web.Data;
using AdminConsole.Web.Memberships;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace AdminConsole.Web.Tests.ScaleOut;

/// <summary>
/// The change signal between instances, in process: two console hosts on one PostgreSQL database, with Redis or with
/// LISTEN/NOTIFY alone. A save on B drops A's membership snapshot well within a second (the figure is written to the
/// test output: decision 0015), a dropped link is reopened and A reloads after it (what it missed is not lost), and a
/// Redis that is away or misconfigured is reported, not fatal or echoed.
/// </summary>
public class ChangeSignalTests(ITestOutputHelper output)
{
    /// <summary>A console on PostgreSQL; with a Redis prefix, on Redis too (named, so a test can cut its connection).</summary>
    public sealed class SignalConsole(string? redisPrefix) : ConsoleFactory
    {
        public override DatabaseProvider Provider => DatabaseProvider.Postgres;
        public string ClientName { get; } = "console-" + Guid.NewGuid().ToString("N")[..10];

        protected override IEnumerable<KeyValuePair<string, string?>> Settings => redisPrefix is null ? [] :
        [
            new("Redis:Configuration", TestRedis.Configuration + ",name=" + ClientName),
            new("Redis:ChannelPrefix", redisPrefix),
        ];

        public ClusterSignal Signal => Services.GetRequiredService<ClusterSignal>();
        public MembershipCache Memberships => Services.GetRequiredService<MembershipCache>();
    }

    private static (SignalConsole A, SignalConsole B) Pair(bool redis)
    {
        var prefix = redis ? TestRedis.ChannelPrefix(nameof(ChangeSignalTests)) : null;
        var a = new SignalConsole(prefix);
        return (a, new SignalConsole(prefix) { SharesDatabaseOf = a });
    }

    private static async Task ConnectedAsync(params SignalConsole[] consoles)
    {
        foreach (var console in consoles)
            await Eventually.UntilAsync(() => console.Signal.Problem is null, TimeSpan.FromSeconds(15), $"the change signal of {console.ClientName} to connect",
                describe: () => console.Signal.Problem ?? "");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_membership_saved_on_B_drops_the_snapshot_of_A_within_a_second(bool redis)
    {
        var (a, b) = Pair(redis);
        using var first = a;
        using var second = b;
        await ConnectedAsync(a, b);
        Assert.Equal(redis ? "Redis pub/sub" : "PostgreSQL LISTEN/NOTIFY", a.Signal.Name);
        var classId = await a.QueryAsync(async db => (await db.Classes.SingleAsync(c => c.Name == "Physics 7A")).Id);
        var userId = await a.UserIdAsync(DemoUser.OtherStudent.Email);

        var took = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            var invalidated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void OnInvalidated() => invalidated.TrySetResult();
            _ = await a.Memberships.GetAsync();
            a.Memberships.Invalidated += OnInvalidated;
            var enrolled = i % 2 == 0;
            await b.QueryAsync(async db =>
            {
                if (enrolled)
                    db.ClassMemberships.Add(new ClassMembership { ClassId = classId, UserId = userId, Role = ClassRole.Student, AddedUtc = DateTime.UtcNow });
                else
                    db.ClassMemberships.Remove(await db.ClassMemberships.SingleAsync(m => m.ClassId == classId && m.UserId == userId));
                return await db.SaveChangesAsync();
            });
            var saved = Stopwatch.StartNew();
            await invalidated.Task.WaitAsync(TimeSpan.FromSeconds(1));
            took.Add(saved.Elapsed.TotalMilliseconds);
            a.Memberships.Invalidated -= OnInvalidated;
            var snapshot = await a.Memberships.GetAsync();
            Assert.Equal(enrolled, snapshot.Find(userId)!.Classes.ContainsKey(classId));
        }
        took.Sort();
        output.WriteLine($"{a.Signal.Name}: save on B to A's snapshot dropped, 20 saves: median {took[took.Count / 2]:0.0} ms, max {took[^1]:0.0} ms");
    }

    [Fact]
    public Task After_its_listening_connection_is_terminated_A_reloads_and_hears_B_again() =>
        AfterTheLinkIsCutAsync(redis: false, async a =>
        {
            // As a failover or an administrator would: the server ends A's LISTEN session (and B's, on the same database).
            await using var connection = (NpgsqlConnection)a.CreateDirectConnection();
            await connection.OpenAsync();
            await using var kill = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'AdminConsole change signal'", connection);
            Assert.Equal(2L, await kill.ExecuteScalarAsync());
        });

    [Fact]
    public Task After_its_Redis_connection_is_killed_A_reloads_and_hears_B_again() =>
        AfterTheLinkIsCutAsync(redis: true, async a =>
        {
            var options = ConfigurationOptions.Parse(TestRedis.Configuration);
            options.AllowAdmin = true;
            await using var admin = await ConnectionMultiplexer.ConnectAsync(options);
            var server = admin.GetServer(admin.GetEndPoints()[0]);
            var killed = 0;
            foreach (var client in (await server.ClientListAsync()).Where(c => c.Name == a.ClientName))
            {
                await server.ClientKillAsync(client.Address!);
                killed++;
            }
            Assert.True(killed >= 1, "A's Redis connections were found by name");
        });

    private static async Task AfterTheLinkIsCutAsync(bool redis, Func<SignalConsole, Task> cut)
    {
        var (a, b) = Pair(redis);
        using var first = a;
        using var second = b;
        await ConnectedAsync(a, b);
        var resynced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        a.Memberships.Invalidated += () => resynced.TrySetResult();

        await cut(a);

        // Nothing changed, yet A drops its snapshot once it listens again: what was sent meanwhile may have been missed.
        await resynced.Task.WaitAsync(TimeSpan.FromSeconds(15));
        await ConnectedAsync(a, b);
        await AssertBReachesAAsync(a, b);
    }

    [Fact]
    public async Task An_unreachable_Redis_leaves_the_console_serving_and_ready_reports_it_degraded()
    {
        using var console = new UnreachableRedisConsole();
        var anonymous = console.CreateBrowserLikeClient();
        var ready = await anonymous.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Degraded", await ready.Content.ReadAsStringAsync());
        await console.SignInAsync(DemoUser.Admin); // sign-in, the session and its audit entry need no Redis
    }

    [Fact]
    public void A_malformed_Redis_configuration_stops_the_console_at_start_naming_the_setting_not_its_value()
    {
        using var console = new MalformedRedisConsole();
        var error = Assert.ThrowsAny<OptionsValidationException>(() => console.CreateClient());
        Assert.Contains("Redis Configuration", error.Message);
        Assert.DoesNotContain("hunter2", error.Message);
    }

    [Fact]
    public void On_SQLite_nothing_is_sent_anywhere()
    {
        using var console = new ConsoleFactory();
        var signal = console.Services.GetRequiredService<ClusterSignal>();
        Assert.False(signal.ReachesOtherInstances);
        Assert.Null(signal.Problem);
    }

    private static async Task AssertBReachesAAsync(SignalConsole a, SignalConsole b)
    {
        var heard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        a.Memberships.Invalidated += () => heard.TrySetResult();
        await b.QueryAsync(async db =>
        {
            var user = await db.Users.SingleAsync(u => u.Email == DemoUser.Auditor.Email);
            user.DisplayName = "Audrey " + Guid.NewGuid().ToString("N")[..6];
            return await db.SaveChangesAsync();
        });
        await heard.Task.WaitAsync(TimeSpan.FromSeconds(1));
    }

    private sealed class UnreachableRedisConsole : ConsoleFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
            [new("Redis:Configuration", $"127.0.0.1:{ConsoleProcess.FreePort()},connectTimeout=300")];
    }

    private sealed class MalformedRedisConsole : ConsoleFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
            [new("Redis:Configuration", "127.0.0.1:6379,password=hunter2,notAnOption=1")];
    }
}
