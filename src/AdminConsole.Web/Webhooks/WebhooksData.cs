using AdminConsole.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Webhooks;

/// <summary>This feature's tables as sets of the console's <see cref="AppDbContext"/> (call sites read <c>db.WebhookBatches</c>).</summary>
public static class WebhooksData
{
    extension(AppDbContext db)
    {
        public DbSet<WebhookBatch> WebhookBatches => db.Set<WebhookBatch>();
        public DbSet<ReceivedWebhookEvent> WebhookEvents => db.Set<ReceivedWebhookEvent>();
        public DbSet<WebhookRejection> WebhookRejections => db.Set<WebhookRejection>();
    }
}
