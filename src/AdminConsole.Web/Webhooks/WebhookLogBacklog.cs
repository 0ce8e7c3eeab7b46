using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Webhooks;

internal sealed class WebhookLogBacklog(AppDbContext db) : ILogBacklog
{
    /// <summary>
    /// Stored webhook deliveries whose events are not in the log yet: the webhook writer acknowledges first under load
    /// and logs them when the load drops (Webhooks/WebhookIngestor.cs). A range count on the primary key.
    /// </summary>
    public Task<int> DeliveriesNotYetLoggedAsync(CancellationToken ct = default)
    {
        var logged = db.AuditChainStates.Select(c => c.LoggedWebhookBatchId);
        return db.WebhookBatches.CountAsync(b => b.Id > logged.Single(), ct);
    }
}
