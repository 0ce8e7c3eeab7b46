using AdminConsole.Web.EventLog;
using AdminConsole.Web.Pusher;

namespace AdminConsole.Web.Occupancy;

/// <summary>
/// In local mode, once the host (and the local Channels server, started before it) is up: the local server starts
/// empty, so whatever the projection says is online from the previous run is stale (that server stopped without
/// sending member_removed). One reconcile clears it, audited as such. Registered after AddLocalChannels, so this
/// runs after the local server has been told where to send its webhooks.
/// </summary>
internal sealed partial class LocalStartReconcile(EmbeddedChannels embedded, OccupancyReconciler reconciler, ILogger<LocalStartReconcile> logger)
    : IHostedLifecycleService
{
    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        if (!embedded.IsLocal)
            return;
        var result = await reconciler.RunAsync(Actor.System, cancellationToken);
        if (!result.Succeeded)
            LogReconcileFailed(logger, result.Message);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Local mode: the start-up reconcile with the fresh local server did not run: {Reason}")]
    private static partial void LogReconcileFailed(ILogger logger, string reason);
}
