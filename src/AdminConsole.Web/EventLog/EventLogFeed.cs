using AdminConsole.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.EventLog;

/// <summary>
/// Feeds committed log entries to open log pages (ConsoleHub, client method ActivityAppended, through
/// <see cref="IAuditFeed"/>). It tails the table by Id rather than asking each writer to publish: it only ever
/// sees committed entries (a SaveChanges hook would run before the caller's transaction commits, or rolls
/// back), in chain order, from every writer alike: pages, the webhook writer, background jobs, the CLI.
/// The cost is one primary-key seek per interval. Under a webhook flood it reads only the newest entries a page can
/// show (<see cref="IAuditFeed.MaxEntries"/>) and reports the rest as omitted, instead of
/// materialising every row written since the last tick.
/// </summary>
internal sealed partial class EventLogFeed(
    IServiceScopeFactory scopes,
    IAuditFeed live,
    TimeProvider time,
    IOptions<EventLogOptions> options,
    ILogger<EventLogFeed> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        long last;
        await using (var scope = scopes.CreateAsyncScope())
            last = await scope.ServiceProvider.GetRequiredService<EventLogQuery>().NewestIdAsync(stoppingToken);

        using var timer = new PeriodicTimer(options.Value.FeedInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
                var newest = await db.AuditEntries.MaxAsync(e => (long?)e.Id, stoppingToken) ?? last;
                var skipped = 0;
                if (newest - last > IAuditFeed.MaxEntries)
                {
                    // Ids are contiguous (the chain guarantees it), so the gap is exactly what pages will not see.
                    skipped = (int)Math.Min(int.MaxValue, newest - IAuditFeed.MaxEntries - last);
                    last = newest - IAuditFeed.MaxEntries;
                }
                var after = last;
                var fresh = await db.AuditEntries.AsNoTracking().Where(e => e.Id > after && e.Id <= newest).OrderBy(e => e.Id).ToListAsync(stoppingToken);
                if (fresh.Count > 0 || skipped > 0)
                    live.Publish(fresh, skipped);
                last = newest;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The live event log feed could not read new entries; it retries on the next tick.")]
    private static partial void LogFailed(ILogger logger, Exception ex);
}
