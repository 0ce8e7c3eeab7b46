using AdminConsole.Web.Data;
using AdminConsole.Web.Live;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.EventLog;

/// <summary>
/// Feeds committed log entries to open log pages (ConsoleHub, client method ActivityAppended, through
/// <see cref="LivePublisher"/>). It tails the table by Id rather than asking each writer to publish: it only ever
/// sees committed entries (a SaveChanges hook would run before the caller's transaction commits, or rolls
/// back), in chain order, from every writer alike: pages, the webhook writer, background jobs, the CLI.
/// The cost is one primary-key seek per interval.
/// </summary>
internal sealed partial class EventLogFeed(
    IServiceScopeFactory scopes,
    LivePublisher live,
    TimeProvider time,
    IOptions<EventLogOptions> options,
    ILogger<EventLogFeed> logger) : BackgroundService
{
    private const int MaxPerRead = 500;

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
                List<AuditEntry> fresh;
                do
                {
                    var after = last;
                    fresh = await db.AuditEntries.AsNoTracking().Where(e => e.Id > after).OrderBy(e => e.Id).Take(MaxPerRead).ToListAsync(stoppingToken);
                    if (fresh.Count == 0) break;
                    live.PostActivity(fresh);
                    last = fresh[^1].Id;
                } while (fresh.Count == MaxPerRead);
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
