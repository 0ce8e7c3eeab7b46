using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminConsole.Web.Tests.EventLog;

/// <summary>Run on both providers (the classes at the end).</summary>
public abstract class RetentionTests<TFactory> : IAsyncLifetime where TFactory : RetentionConsole, new()
{
    private readonly TFactory _factory = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _factory.Dispose();
        return Task.CompletedTask;
    }

    private async Task WriteAtAsync(DateTime timeUtc, int count, string channel)
    {
        await _factory.WithDbAsync(async db =>
        {
            for (var i = 0; i < count; i++)
                db.AuditEntries.Add(new AuditEntry { TimeUtc = timeUtc.AddSeconds(i), Kind = AuditKinds.EventSent, ActorName = "tests", Channel = channel, Data = $"{{\"i\":{i}}}" });
            return await db.SaveChangesAsync();
        });
    }

    private static async Task<long> PurgeAsync(ConsoleFactory factory)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<EventLogRetention>().PurgeExpiredAsync();
    }

    [Fact]
    public async Task Purge_removes_only_expired_entries_in_batches_keeps_a_checkpoint_and_logs_itself()
    {
        var now = DateTime.UtcNow;
        await WriteAtAsync(now.AddDays(-90), 25, "old");
        await WriteAtAsync(now.AddDays(-1), 5, "recent");
        var lastOld = await _factory.WithDbAsync(db => db.AuditEntries.Where(e => e.Channel == "old").MaxAsync(e => e.Id));
        var lastOldHash = await _factory.WithDbAsync(db => db.AuditEntries.Where(e => e.Id == lastOld).Select(e => e.Hash).SingleAsync());

        await PurgeAsync(_factory);

        Assert.Equal(0, await _factory.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.Channel == "old")));
        Assert.Equal(5, await _factory.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.Channel == "recent")));
        var state = await _factory.WithDbAsync(db => db.AuditChainStates.AsNoTracking().SingleAsync());
        Assert.Equal(lastOld, state.CheckpointId);
        Assert.Equal(lastOldHash, state.CheckpointHash);

        var purges = await _factory.WithDbAsync(db => db.AuditEntries.AsNoTracking().Where(e => e.Kind == AuditKinds.LogPurged).ToListAsync());
        Assert.NotEmpty(purges);
        Assert.All(purges, p => Assert.Equal("system", p.ActorName));
        Assert.Contains(purges, p => p.Data!.Contains($"\"throughId\":{lastOld}") && p.Data.Contains("\"retentionDays\":30"));

        var verdict = await _factory.VerifyAsync();
        Assert.True(verdict.Intact, verdict.Message);
        Assert.Equal(lastOld, verdict.CheckpointId);
        Assert.Contains($"entries up to {lastOld} were purged", verdict.Message);
    }

    [Fact]
    public async Task Verification_after_a_purge_still_detects_tampering_right_after_the_checkpoint()
    {
        var now = DateTime.UtcNow;
        await WriteAtAsync(now.AddDays(-40), 12, "old");
        await WriteAtAsync(now.AddDays(-2), 4, "recent");
        await PurgeAsync(_factory);
        var firstKept = await _factory.WithDbAsync(db => db.AuditEntries.MinAsync(e => e.Id));
        await _factory.TamperAsync($$"""UPDATE "AuditEntries" SET "Data" = '{}' WHERE "Id" = {{firstKept}}""");
        var verdict = await _factory.VerifyAsync();
        Assert.False(verdict.Intact);
        Assert.Equal(firstKept, verdict.FirstBadId);
    }

    [Fact]
    public async Task Without_a_retention_period_nothing_is_purged()
    {
        using var keepAll = new TFactory { KeepEverything = true };
        await keepAll.WithDbAsync(async db =>
        {
            db.AuditEntries.Add(new AuditEntry { TimeUtc = DateTime.UtcNow.AddYears(-5), Kind = AuditKinds.EventSent, ActorName = "tests" });
            return await db.SaveChangesAsync();
        });
        var purged = await PurgeAsync(keepAll);
        Assert.Equal(0, purged);
        Assert.Equal(1, await keepAll.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.ActorName == "tests")));
    }
}

/// <summary>A console whose log keeps 30 days, purged in batches of 10 (unless <see cref="KeepEverything"/>).</summary>
public class RetentionConsole : ConsoleFactory
{
    public bool KeepEverything { get; init; }

    protected override IEnumerable<KeyValuePair<string, string?>> Settings => KeepEverything ? [] :
    [
        new("EventLog:RetentionDays", "30"),
        new("EventLog:PurgeBatchSize", "10"),
    ];

    public new sealed class OnPostgres : RetentionConsole
    {
        public override DatabaseProvider Provider => DatabaseProvider.Postgres;
    }
}

public sealed class RetentionTests : RetentionTests<RetentionConsole>;

public sealed class RetentionTestsOnPostgres : RetentionTests<RetentionConsole.OnPostgres>;
