using System.Net;
using AdminConsole.Channels;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Tests.Infrastructure;
using AdminConsole.Web.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminConsole.Web.Tests.Webhooks;

/// <summary>
/// Two console instances on one database, each with its own webhook writer and its own EF writers, appending at the
/// same time: the chain head lives in the database (its row locked by every append), so the log stays one unbroken
/// chain with contiguous ids. Run on both providers (the classes at the end).
/// </summary>
public abstract class SharedChainTests<TConsole> : IAsyncLifetime where TConsole : WebhookConsole, new()
{
    private readonly TConsole _a = new();
    private TConsole _b = null!;

    public Task InitializeAsync()
    {
        _ = _a.Server;
        _b = new TConsole { SharesDatabaseOf = _a };
        _ = _b.Server;
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _b.Dispose();
        _a.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Two_instances_appending_at_once_form_one_unbroken_chain()
    {
        var before = await _a.QueryAsync(db => db.AuditEntries.MaxAsync(e => (long?)e.Id)) ?? 0;
        var (clientA, clientB) = (_a.CreateClient(), _b.CreateClient());
        var writes = new List<Task<HttpResponseMessage>>();
        for (var i = 0; i < 40; i++)
        {
            var client = i % 2 == 0 ? clientA : clientB;
            writes.Add(Webhook.PostAsync(client, Webhook.Body(WebhookEvent.ChannelOccupied($"shared-{i}"), WebhookEvent.MemberAdded($"presence-shared-{i % 5}", $"u{i}"),
                WebhookEvent.ChannelVacated($"shared-{i}"))));
        }
        // EF writers on both instances at the same time (sign-ins are audited through SaveChanges).
        var signIns = Enumerable.Range(0, 4).Select(i => (i % 2 == 0 ? (ConsoleFactory)_a : _b).SignInAsync(DemoUser.Auditor)).ToList();
        Assert.All(await Task.WhenAll(writes), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        await Task.WhenAll(signIns);

        // Under load a writer may acknowledge before logging; either instance's writer catches up.
        await Eventually.UntilAsync(() => _a.QueryAsync(db => db.AuditEntries.CountAsync(e => e.Kind == AuditKinds.WebhookEvent && e.Id > before)).ContinueWith(t => t.Result == 120),
            TimeSpan.FromSeconds(30), "every event of both instances in the log");

        var ids = await _b.QueryAsync(db => db.AuditEntries.Where(e => e.Id > before).OrderBy(e => e.Id).Select(e => e.Id).ToListAsync());
        Assert.Equal(Enumerable.Range(1, ids.Count).Select(n => before + n), ids);
        await using var scope = _b.Services.CreateAsyncScope();
        var verdict = await scope.ServiceProvider.GetRequiredService<AuditChainVerifier>().VerifyAsync();
        Assert.True(verdict.Intact, verdict.Message);
        Assert.Equal(ids[^1], verdict.VerifiedThroughId);
        // Each delivery stored once, with its three events.
        Assert.Equal(120, await _a.QueryAsync(db => db.WebhookEvents.CountAsync(e => e.Channel!.Contains("shared-"))));
    }
}

public sealed class SharedChainTests : SharedChainTests<WebhookConsole>;

public sealed class SharedChainTestsOnPostgres : SharedChainTests<WebhookConsole.OnPostgres>;
