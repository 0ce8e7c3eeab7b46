using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Data;

/// <summary>This process's identity as a lease holder: machine, process id and a random part (a restarted process
/// can reuse a pid; it must not inherit the leases of the one before it).</summary>
public sealed record LeaseHolder(string Id)
{
    public static LeaseHolder ForThisProcess() =>
        new($"{Environment.MachineName}/{Environment.ProcessId}/{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4))}");

    public override string ToString() => Id;
}

/// <summary>
/// Named leases in the database, for what must run once per cluster (retention, scheduled reconcile) and for what
/// only one instance may do at all (local mode). A lease is taken for a duration and renewed by taking it again
/// before it runs out; while it is held and unexpired nobody else gets it; a holder that dies stops renewing and the
/// lease is taken over once it expires; a clean shutdown releases it at once. Taking and renewing are one
/// conditional upsert that succeeds only when the row is absent, expired or already ours: atomic on both providers
/// (SQLite has one writer; PostgreSQL's ON CONFLICT locks the row and re-checks the condition on its newest version).
/// Expiry compares times from each instance's <see cref="TimeProvider"/>, so instances' clocks must agree to well
/// within a lease's duration (NTP keeps them within milliseconds; the shortest lease the console takes is 10 s).
/// </summary>
public sealed partial class Leases(IServiceScopeFactory scopes, TimeProvider time, LeaseHolder holder, LeaseMetrics metrics, ILogger<Leases> logger)
    : IHostedService
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _taken = new(StringComparer.Ordinal);

    /// <summary>Inserts the lease, or takes it over when it has expired, or renews it when it is ours; else changes nothing.</summary>
    internal const string TakeSql = """
        INSERT INTO "Leases" ("Name", "Holder", "AcquiredUnixMs", "ExpiresUnixMs") VALUES ({0}, {1}, {2}, {3})
        ON CONFLICT ("Name") DO UPDATE SET
            "Holder" = excluded."Holder",
            "ExpiresUnixMs" = excluded."ExpiresUnixMs",
            "AcquiredUnixMs" = CASE WHEN "Leases"."Holder" = excluded."Holder" THEN "Leases"."AcquiredUnixMs" ELSE excluded."AcquiredUnixMs" END
        WHERE "Leases"."Holder" = excluded."Holder" OR "Leases"."ExpiresUnixMs" <= excluded."AcquiredUnixMs"
        """;

    internal const string ReleaseSql = """DELETE FROM "Leases" WHERE "Name" = {0} AND "Holder" = {1}""";

    public LeaseHolder Holder => holder;

    /// <summary>Takes <paramref name="name"/> for <paramref name="duration"/> from now, or renews it if this instance holds it.</summary>
    /// <returns>False when another instance holds it and it has not expired.</returns>
    public async Task<bool> TryTakeAsync(string name, TimeSpan duration, CancellationToken ct = default)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var changed = await db.Database.ExecuteSqlRawAsync(TakeSql, [name, holder.Id, now, now + (long)duration.TotalMilliseconds], ct);
        if (changed == 1)
            _taken[name] = true;
        return changed == 1;
    }

    /// <summary>Gives the lease up (clean shutdown), so another instance need not wait for it to expire.</summary>
    public async Task ReleaseAsync(string name, CancellationToken ct = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        await db.Database.ExecuteSqlRawAsync(ReleaseSql, [name, holder.Id], ct);
        _taken.TryRemove(name, out _);
    }

    Task IHostedService.StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Registered first among the hosted services, so it stops last: the jobs have stopped, and every lease this
    /// instance took is given up, so another instance takes over at its next tick instead of after the expiry.
    /// </summary>
    async Task IHostedService.StopAsync(CancellationToken cancellationToken)
    {
        foreach (var name in _taken.Keys)
        {
            try
            {
                await ReleaseAsync(name, cancellationToken);
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or OperationCanceledException)
            {
                // It expires on its own; a database that is gone must not turn a clean stop into a failed one.
                LogReleaseFailed(logger, name, ex);
            }
        }
    }

    /// <summary>The lease as stored (holder and expiry), or null when nobody has taken it.</summary>
    public async Task<Lease?> FindAsync(string name, CancellationToken ct = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        return await db.Leases.AsNoTracking().SingleOrDefaultAsync(l => l.Name == name, ct);
    }

    /// <summary>
    /// Waits until this instance holds <paramref name="name"/> (asking every 100 ms), runs <paramref name="work"/> and
    /// releases the lease: for start-up work that instances starting at once must do one after the other.
    /// <paramref name="duration"/> bounds how long a holder that died mid-work keeps the others waiting.
    /// </summary>
    public async Task WhileHoldingAsync(string name, TimeSpan duration, Func<CancellationToken, Task> work, CancellationToken ct)
    {
        while (!await TryTakeAsync(name, duration, ct))
            await Task.Delay(TimeSpan.FromMilliseconds(100), time, ct);
        try
        {
            await work(ct);
        }
        finally
        {
            await ReleaseAsync(name, CancellationToken.None);
        }
    }

    /// <summary>
    /// One tick of a job that must run once per cluster every <paramref name="interval"/>: the instance that holds
    /// the job's lease runs it and keeps the lease, every other instance skips the tick. The lease lasts one and a
    /// half intervals, so its holder renews it at every tick (timer jitter and the job's own run time fit in the
    /// extra half) and another instance takes over within 1.5 to 2.5 intervals of the holder's death.
    /// </summary>
    /// <returns>True when this instance ran the job.</returns>
    public async Task<bool> RunOnceInClusterAsync(string job, TimeSpan interval, Func<CancellationToken, Task> work, CancellationToken ct)
    {
        if (!await TryTakeAsync(job, LeaseFor(interval), ct))
        {
            metrics.Skipped(job);
            LogSkipped(logger, job);
            return false;
        }
        await work(ct);
        metrics.Ran(job);
        LogRan(logger, job);
        return true;
    }

    /// <summary>The lease a periodic job takes: 1.5 intervals, at least 10 s (a clock skew of a second or two stays harmless).</summary>
    public static TimeSpan LeaseFor(TimeSpan interval) => TimeSpan.FromTicks(Math.Max(interval.Ticks * 3 / 2, TimeSpan.FromSeconds(10).Ticks));

    [LoggerMessage(Level = LogLevel.Debug, Message = "Job {Job}: its lease is held by another instance; this instance skips this interval.")]
    private static partial void LogSkipped(ILogger logger, string job);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease {Name} could not be released at shutdown; it expires on its own.")]
    private static partial void LogReleaseFailed(ILogger logger, string name, Exception ex);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Job {Job}: ran on this instance (lease holder).")]
    private static partial void LogRan(ILogger logger, string job);
}

/// <summary>The cluster jobs' instruments (meter <c>AdminConsole.Jobs</c>).</summary>
public sealed class LeaseMetrics
{
    public const string MeterName = "AdminConsole.Jobs";

    private readonly Counter<long> _runs;

    public LeaseMetrics(IMeterFactory meters)
    {
        _runs = meters.Create(MeterName).CreateCounter<long>("adminconsole.jobs.runs", "{run}",
            "Ticks of the jobs that run once per cluster, by job and outcome: ran here, or skipped because another instance holds the job's lease.");
    }

    public void Ran(string job) => _runs.Add(1, new("job", job), new("outcome", "ran"));

    public void Skipped(string job) => _runs.Add(1, new("job", job), new("outcome", "skipped"));
}
