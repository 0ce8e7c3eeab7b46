namespace AdminConsole.Web.EventLog;

/// <summary>
/// What other writers have acknowledged but not yet logged, for the log page's notice. The webhook writer implements
/// it (it acknowledges first under load and logs later), so the event log does not depend on the webhooks feature.
/// </summary>
public interface ILogBacklog
{
    Task<int> DeliveriesNotYetLoggedAsync(CancellationToken ct = default);
}
