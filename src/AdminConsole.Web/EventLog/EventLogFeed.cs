using AdminConsole.Web.Data;
using AdminConsole.Web.Live;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.EventLog;

/// <summary>An entry as the live log page receives it (times ISO 8601 UTC, like the CSV).</summary>
public sealed record LiveEntry(long Id, string TimeUtc, string Kind, string Actor, string? Channel, string? EventName,
    string? Outcome, string? Target, string? Data)
{
    public static LiveEntry From(AuditEntry e) =>
        new(e.Id, EventLogCsv.FormatTime(e.TimeUtc), e.Kind, e.ActorName, e.Channel, e.EventName, e.Outcome, e.Target, e.Data);
}

/// <summary>
/// Pushes committed entries to open log pages (ConsoleHub "activity" group, client method ActivityAppended).
/// It tails the table by Id instead of hooking SaveChanges: it only ever sees committed entries (a hook would
/// have to wait for the caller's transaction), in chain order, whichever process or feature wrote them.
/// </summary>
internal sealed partial class EventLogFeed(
    IServiceScopeFactory scopes,
    IHubContext<ConsoleHub> hub,
    TimeProvider time,
    IOptions<EventLogOptions> options,
    ILogger<EventLogFeed> logger) : BackgroundService
{
    public const string ClientMethod = "ActivityAppended";
    private const int MaxPerTick = 500;

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
                    fresh = await db.AuditEntries.AsNoTracking().Where(e => e.Id > after).OrderBy(e => e.Id).Take(MaxPerTick).ToListAsync(stoppingToken);
                    foreach (var entry in fresh)
                        await hub.Clients.Group(ConsoleGroups.AllActivity).SendAsync(ClientMethod, LiveEntry.From(entry), stoppingToken);
                    if (fresh.Count > 0) last = fresh[^1].Id;
                } while (fresh.Count == MaxPerTick);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The live event log feed failed to publish; it retries on the next tick.")]
    private static partial void LogFailed(ILogger logger, Exception ex);
}
