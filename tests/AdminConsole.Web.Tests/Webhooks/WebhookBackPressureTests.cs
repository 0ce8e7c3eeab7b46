using System.Net;
using AdminConsole.Channels;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminConsole.Web.Tests.Webhooks;

/// <summary>Defers the log under any load, but lets it trail by at most 0.2 s before commits carry log work too.</summary>
public class BackPressureConsole : WebhookConsole
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [.. base.Settings, new("Webhooks:LogInlineUpToEventsPerSecond", "0"), new("Webhooks:LogMaxLagSeconds", "0.2")];

    /// <summary>The same console on PostgreSQL.</summary>
    public new sealed class OnPostgres : BackPressureConsole
    {
        public override DatabaseProvider Provider => DatabaseProvider.Postgres;
    }
}

/// <summary>
/// Under load that never pauses, the deferred log used to wait for the load to drop: a sustained rate grew the
/// backlog for the length of the run (issue 17). Now, once it trails by Webhooks:LogMaxLagSeconds, commits append
/// the oldest entries in their own transaction, so the log moves while deliveries keep arriving.
/// </summary>
public abstract class WebhookBackPressureTests<TConsole>(TConsole console) : IClassFixture<TConsole> where TConsole : BackPressureConsole
{
    [Fact]
    public async Task Under_sustained_load_the_log_keeps_moving_and_ends_with_one_entry_per_event_in_order()
    {
        var client = console.CreateClient();
        using var stop = new CancellationTokenSource();
        long sequence = 0;
        var workers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var n = Interlocked.Increment(ref sequence);
                using var response = await Webhook.PostAsync(client, Webhook.Body(
                    WebhookEvent.ChannelOccupied($"steady-{n % 40}"), WebhookEvent.ChannelVacated($"steady-{(n + 1) % 40}")));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        })).ToArray();
        try
        {
            // Past the first deliveries, the cursor moves twice while the workers are still posting.
            var first = 0L;
            await Eventually.UntilAsync(async () => (first = await LoggedAsync()) > 0, TimeSpan.FromSeconds(60), "the log to move under load");
            await Eventually.UntilAsync(async () => await LoggedAsync() > first, TimeSpan.FromSeconds(60), "the log to move again under load");
            Assert.All(workers, w => Assert.False(w.IsCompleted, "a worker stopped posting"));
        }
        finally
        {
            stop.Cancel();
            await Task.WhenAll(workers);
        }

        await using var scope = console.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        await WebhookLogCatchUpTests.WaitForLogAsync(db, TimeSpan.FromSeconds(60));
        // Entry by entry, the stored events in delivery order: each once, with its batch and channel.
        var entries = await db.AuditEntries.AsNoTracking().Where(a => a.Kind == AuditKinds.WebhookEvent).OrderBy(a => a.Id)
            .Select(a => new { a.Target, a.Channel, a.EventName }).ToListAsync();
        var events = await db.WebhookEvents.AsNoTracking().OrderBy(e => e.BatchId).ThenBy(e => e.Position)
            .Select(e => new { e.BatchId, e.Channel, e.Name }).ToListAsync();
        Assert.Equal(events.Select(e => (WebhookTarget.Of(e.BatchId), e.Channel, e.Name)), entries.Select(a => (a.Target!, a.Channel, a.EventName!)));
        var verdict = await scope.ServiceProvider.GetRequiredService<AuditChainVerifier>().VerifyAsync();
        Assert.True(verdict.Intact, verdict.Message);
    }

    private Task<long> LoggedAsync() =>
        console.QueryAsync(db => db.AuditChainStates.AsNoTracking().Select(c => c.LoggedWebhookBatchId).SingleAsync());
}

/// <summary>On SQLite.</summary>
public sealed class WebhookBackPressureTests(BackPressureConsole console) : WebhookBackPressureTests<BackPressureConsole>(console);

/// <summary>On PostgreSQL.</summary>
public sealed class WebhookBackPressureTestsOnPostgres(BackPressureConsole.OnPostgres console) : WebhookBackPressureTests<BackPressureConsole.OnPostgres>(console);
