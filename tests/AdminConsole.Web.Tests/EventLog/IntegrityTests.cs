using AdminConsole.Web.Classes;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminConsole.Web.Tests.EventLog;

/// <summary>Each test gets its own database: they tamper with it. Run on both providers (the classes at the end).</summary>
public abstract class IntegrityTests<TFactory> : IAsyncLifetime where TFactory : ConsoleFactory, new()
{
    private readonly TFactory _factory = new();

    public async Task InitializeAsync()
    {
        _ = _factory.Server; // start: migrate + seed
        await _factory.WriteAsync(30);
    }

    public Task DisposeAsync()
    {
        _factory.Dispose();
        return Task.CompletedTask;
    }

    private Task<long> FirstIdAsync() => _factory.WithDbAsync(db => db.AuditEntries.MinAsync(e => e.Id));

    [Fact]
    public async Task Untouched_log_verifies_up_to_the_last_entry()
    {
        var last = await _factory.MaxIdAsync();
        var verdict = await _factory.VerifyAsync();
        Assert.True(verdict.Intact, verdict.Message);
        Assert.Equal(last, verdict.VerifiedThroughId);
        Assert.Equal($"Intact up to entry {last}.", verdict.Message);
    }

    [Fact]
    public async Task Editing_a_payload_is_detected_at_that_entry()
    {
        var target = await FirstIdAsync() + 12;
        await _factory.TamperAsync($$"""UPDATE "AuditEntries" SET "Data" = '{"n":999}' WHERE "Id" = {{target}}""");
        var verdict = await _factory.VerifyAsync();
        Assert.False(verdict.Intact);
        Assert.Equal(target, verdict.FirstBadId);
        Assert.Equal(target - 1, verdict.VerifiedThroughId);
        Assert.Contains("content or its position", verdict.Message);
    }

    [Fact]
    public async Task Every_tampered_entry_is_reported_not_only_the_first()
    {
        var first = await FirstIdAsync() + 4;
        var second = first + 9;
        await _factory.TamperAsync($"""UPDATE "AuditEntries" SET "Outcome" = 'failure' WHERE "Id" IN ({first}, {second})""");
        var verdict = await _factory.VerifyAsync();
        Assert.False(verdict.Intact);
        Assert.Equal(first, verdict.FirstBadId);
        Assert.Equal([first, second], verdict.Breaks.Select(b => b.Id));
        Assert.All(verdict.Breaks, b => Assert.Contains("does not match its seal", b.Message));
        Assert.Contains("2 broken places", verdict.Message);
    }

    [Fact]
    public async Task A_deleted_entry_and_a_later_edit_are_both_reported()
    {
        var deleted = await FirstIdAsync() + 6;
        var edited = deleted + 10;
        await _factory.TamperAsync($"""
            DELETE FROM "AuditEntries" WHERE "Id" = {deleted};
            UPDATE "AuditEntries" SET "Data" = 'edited' WHERE "Id" = {edited};
            """);
        var verdict = await _factory.VerifyAsync();
        Assert.Equal([deleted, edited], verdict.Breaks.Select(b => b.Id));
        Assert.Equal($"Entry {deleted} is missing: it was deleted.", verdict.Breaks[0].Message);
    }

    [Theory]
    [InlineData("\"Outcome\" = 'failure'")]
    [InlineData("\"TimeUtc\" = '2020-01-01 00:00:00'")]
    [InlineData("\"ActorName\" = 'someone-else@school.test'")]
    [InlineData("\"Channel\" = NULL")]
    public async Task Editing_any_field_is_detected(string assignment)
    {
        var target = await FirstIdAsync() + 3;
        await _factory.TamperAsync($"""UPDATE "AuditEntries" SET {assignment} WHERE "Id" = {target}""");
        var verdict = await _factory.VerifyAsync();
        Assert.Equal(target, verdict.FirstBadId);
    }

    [Fact]
    public async Task Deleting_an_entry_is_detected_at_the_gap()
    {
        var target = await FirstIdAsync() + 20;
        await _factory.TamperAsync($"""DELETE FROM "AuditEntries" WHERE "Id" = {target}""");
        var verdict = await _factory.VerifyAsync();
        Assert.False(verdict.Intact);
        Assert.Equal(target, verdict.FirstBadId);
        Assert.Equal($"Entry {target} is missing: it was deleted.", verdict.Message);
    }

    [Fact]
    public async Task Deleting_the_newest_entries_is_detected()
    {
        var last = await _factory.MaxIdAsync();
        await _factory.TamperAsync($"""DELETE FROM "AuditEntries" WHERE "Id" >= {last - 1}""");
        var verdict = await _factory.VerifyAsync();
        Assert.False(verdict.Intact);
        Assert.Equal(last - 1, verdict.FirstBadId);
    }

    [Fact]
    public async Task Swapping_two_entries_is_detected_at_the_first_of_them()
    {
        var a = await FirstIdAsync() + 8;
        var b = a + 1;
        await _factory.TamperAsync($"""
            UPDATE "AuditEntries" SET "Id" = -1 WHERE "Id" = {a};
            UPDATE "AuditEntries" SET "Id" = {a} WHERE "Id" = {b};
            UPDATE "AuditEntries" SET "Id" = {b} WHERE "Id" = -1;
            """);
        var verdict = await _factory.VerifyAsync();
        Assert.False(verdict.Intact);
        Assert.Equal(a, verdict.FirstBadId);
    }

    [Fact]
    public async Task Rewriting_a_hash_to_match_edited_content_is_detected_at_the_next_entry()
    {
        // An attacker who recomputes the edited entry's own hash still breaks the link to its successor.
        var target = await FirstIdAsync() + 5;
        var entry = await _factory.WithDbAsync(db => db.AuditEntries.AsNoTracking().SingleAsync(e => e.Id == target));
        var prev = await _factory.WithDbAsync(db => db.AuditEntries.AsNoTracking().SingleAsync(e => e.Id == target - 1));
        entry.Outcome = "failure";
        var forged = AuditChain.ComputeHash(prev.Hash, entry);
        await _factory.TamperAsync($"""UPDATE "AuditEntries" SET "Outcome" = 'failure', "Hash" = @blob WHERE "Id" = {target}""", forged);
        var verdict = await _factory.VerifyAsync();
        Assert.Equal(target + 1, verdict.FirstBadId);
    }

    [Fact]
    public async Task Concurrent_writers_produce_one_contiguous_intact_chain()
    {
        var before = await _factory.MaxIdAsync();
        // Writers on separate DbContexts (as request handlers and the webhook consumer are), each saving batches.
        await Parallel.ForEachAsync(Enumerable.Range(0, 12), new ParallelOptions { MaxDegreeOfParallelism = 6 }, async (i, _) =>
        {
            for (var round = 0; round < 5; round++)
                await _factory.WriteAsync(1 + i % 3, n => (AuditKinds.ChannelAuth, $"private-class-{i}", null, "allowed", $"{{\"writer\":{i},\"round\":{round},\"n\":{n}}}"));
        });

        var ids = await _factory.WithDbAsync(db => db.AuditEntries.Where(e => e.Id > before).OrderBy(e => e.Id).Select(e => e.Id).ToListAsync());
        Assert.Equal(Enumerable.Range(0, 12).Sum(i => 5 * (1 + i % 3)), ids.Count);
        Assert.Equal(Enumerable.Range(1, ids.Count).Select(n => before + n), ids);
        var verdict = await _factory.VerifyAsync();
        Assert.True(verdict.Intact, verdict.Message);
    }

    [Fact]
    public async Task A_failed_save_rolls_back_the_chain_head_with_it()
    {
        await using (var scope = _factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var trail = scope.ServiceProvider.GetRequiredService<AuditTrail>();
            trail.Add(db, AuditKinds.ClassCreated, Actor.System, target: "class:x");
            // Same key as a seeded class: the whole save, entry and head included, must fail together.
            var existing = await db.Classes.AsNoTracking().FirstAsync();
            db.Classes.Add(new AdminConsole.Web.Classes.SchoolClass { Id = existing.Id, Name = "duplicate" });
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        }
        await _factory.WriteAsync(2);
        var verdict = await _factory.VerifyAsync();
        Assert.True(verdict.Intact, verdict.Message);
    }
}

public sealed class IntegrityTests : IntegrityTests<ConsoleFactory>;

public sealed class IntegrityTestsOnPostgres : IntegrityTests<ConsoleFactory.OnPostgres>;
