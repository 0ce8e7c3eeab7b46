using AdminConsole.Web.Data;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AdminConsole.Web.Tests.Data;

/// <summary>
/// Named leases on one database, contended by holders that stand for different instances (each its own
/// <see cref="LeaseHolder"/>, all on one fake clock). Run on both providers (the classes at the end).
/// </summary>
public abstract class LeaseTests<TConsole>(TConsole console) : IClassFixture<TConsole> where TConsole : ConsoleFactory
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));

    private Leases Instance(string id) => new(console.Services.GetRequiredService<IServiceScopeFactory>(), _clock, new LeaseHolder(id),
        console.Services.GetRequiredService<LeaseMetrics>(), NullLogger<Leases>.Instance);

    private static string Name() => "test-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task One_holder_at_a_time_until_it_stops_renewing_then_taken_over()
    {
        var (a, b, name) = (Instance("a"), Instance("b"), Name());

        Assert.True(await a.TryTakeAsync(name, TimeSpan.FromSeconds(10)));
        Assert.False(await b.TryTakeAsync(name, TimeSpan.FromSeconds(10)));

        // A renews before it runs out: B is still refused after the first expiry would have passed.
        _clock.Advance(TimeSpan.FromSeconds(8));
        Assert.True(await a.TryTakeAsync(name, TimeSpan.FromSeconds(10)));
        _clock.Advance(TimeSpan.FromSeconds(8));
        Assert.False(await b.TryTakeAsync(name, TimeSpan.FromSeconds(10)));
        Assert.Equal("a", (await a.FindAsync(name))!.Holder);

        // A stops renewing (it died): once the lease has expired, B takes it, and A cannot have it back.
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(await b.TryTakeAsync(name, TimeSpan.FromSeconds(10)));
        Assert.False(await a.TryTakeAsync(name, TimeSpan.FromSeconds(10)));
        var lease = (await b.FindAsync(name))!;
        Assert.Equal("b", lease.Holder);
        Assert.Equal(_clock.GetUtcNow().ToUnixTimeMilliseconds(), lease.AcquiredUnixMs);
        Assert.Equal(_clock.GetUtcNow().AddSeconds(10).ToUnixTimeMilliseconds(), lease.ExpiresUnixMs);
    }

    [Fact]
    public async Task A_renewal_keeps_the_time_it_was_taken_and_moves_the_expiry()
    {
        var (a, name) = (Instance("a"), Name());
        Assert.True(await a.TryTakeAsync(name, TimeSpan.FromSeconds(10)));
        var taken = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        _clock.Advance(TimeSpan.FromSeconds(5));
        Assert.True(await a.TryTakeAsync(name, TimeSpan.FromSeconds(10)));
        var lease = (await a.FindAsync(name))!;
        Assert.Equal(taken, lease.AcquiredUnixMs);
        Assert.Equal(_clock.GetUtcNow().AddSeconds(10).ToUnixTimeMilliseconds(), lease.ExpiresUnixMs);
    }

    [Fact]
    public async Task A_released_lease_is_free_at_once_and_only_its_holder_can_release_it()
    {
        var (a, b, name) = (Instance("a"), Instance("b"), Name());
        Assert.True(await a.TryTakeAsync(name, TimeSpan.FromMinutes(10)));

        await b.ReleaseAsync(name); // not B's to give up
        Assert.False(await b.TryTakeAsync(name, TimeSpan.FromMinutes(10)));

        await a.ReleaseAsync(name);
        Assert.Null(await a.FindAsync(name));
        Assert.True(await b.TryTakeAsync(name, TimeSpan.FromMinutes(10)));
    }

    [Fact]
    public async Task Contenders_racing_for_a_free_or_expired_lease_get_exactly_one_winner()
    {
        var contenders = Enumerable.Range(0, 8).Select(i => Instance("c" + i)).ToList();
        for (var round = 0; round < 10; round++)
        {
            var name = Name();
            if (round % 2 == 1)
            {
                // An expired lease of a dead holder rather than an absent row: the update branch of the upsert.
                Assert.True(await Instance("dead").TryTakeAsync(name, TimeSpan.FromSeconds(1)));
                _clock.Advance(TimeSpan.FromSeconds(2));
            }
            using var start = new ManualResetEventSlim();
            var attempts = contenders.Select(c => Task.Run(async () =>
            {
                start.Wait();
                return (c.Holder.Id, Won: await c.TryTakeAsync(name, TimeSpan.FromSeconds(30)));
            })).ToList();
            start.Set();
            var results = await Task.WhenAll(attempts);
            var winner = Assert.Single(results, r => r.Won);
            Assert.Equal(winner.Id, (await contenders[0].FindAsync(name))!.Holder);
        }
    }

    [Fact]
    public async Task A_cluster_job_runs_on_the_holder_and_is_skipped_elsewhere()
    {
        var (a, b, job) = (Instance("a"), Instance("b"), Name());
        var runs = new List<string>();
        var interval = TimeSpan.FromSeconds(20);
        for (var tick = 0; tick < 4; tick++)
        {
            await a.RunOnceInClusterAsync(job, interval, _ => { runs.Add("a"); return Task.CompletedTask; }, default);
            await b.RunOnceInClusterAsync(job, interval, _ => { runs.Add("b"); return Task.CompletedTask; }, default);
            _clock.Advance(interval);
        }
        Assert.Equal(["a", "a", "a", "a"], runs);

        // A dies: B's ticks skip until A's last lease (1.5 intervals) has run out, then B runs every tick.
        runs.Clear();
        for (var tick = 0; tick < 4; tick++)
        {
            await b.RunOnceInClusterAsync(job, interval, _ => { runs.Add("b"); return Task.CompletedTask; }, default);
            _clock.Advance(interval);
        }
        Assert.Equal(["b", "b", "b"], runs);
    }
}

public sealed class LeaseTests(ConsoleFactory console) : LeaseTests<ConsoleFactory>(console);

public sealed class LeaseTestsOnPostgres(ConsoleFactory.OnPostgres console) : LeaseTests<ConsoleFactory.OnPostgres>(console);
