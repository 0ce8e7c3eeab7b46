using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AdminConsole.Web.Webhooks;

/// <summary>
/// One verified webhook delivery as Pusher sent it. Pusher retries for five minutes and may deliver the same
/// body twice, so the body's SHA-256 is unique: a repeat only increments <see cref="DuplicateCount"/>.
/// </summary>
public class WebhookBatch
{
    public long Id { get; set; }

    /// <summary>When the console received it (unix ms, UTC).</summary>
    public long ReceivedMs { get; set; }

    /// <summary>The body's <c>time_ms</c>: when Pusher created the webhook.</summary>
    public long TimeMs { get; set; }

    /// <summary>Lower-case hex SHA-256 of the raw body.</summary>
    [MaxLength(64)]
    public string BodySha256 { get; set; } = "";

    /// <summary>The raw body, byte for byte as signed.</summary>
    public byte[] Body { get; set; } = [];

    public int EventCount { get; set; }

    /// <summary>How many further deliveries of the same body arrived (each answered 200, none stored again).</summary>
    public int DuplicateCount { get; set; }

    public long? LastDuplicateMs { get; set; }

    public List<ReceivedWebhookEvent> Events { get; set; } = [];
}

/// <summary>One event of a <see cref="WebhookBatch"/> with every field Pusher sends; unknown event names are kept.</summary>
public class ReceivedWebhookEvent
{
    public long Id { get; set; }

    public long BatchId { get; set; }
    public WebhookBatch? Batch { get; set; }

    /// <summary>Position in the batch's events array.</summary>
    public int Position { get; set; }

    /// <summary>The batch's <c>time_ms</c>, copied so per-channel queries need no join.</summary>
    public long TimeMs { get; set; }

    public long ReceivedMs { get; set; }

    /// <summary>channel_occupied, channel_vacated, member_added, member_removed, client_event, cache_miss, subscription_count, or as received.</summary>
    [MaxLength(100)]
    public string Name { get; set; } = "";

    [MaxLength(200)]
    public string? Channel { get; set; }

    [MaxLength(200)]
    public string? UserId { get; set; }

    /// <summary>The client event's own name (client_event only).</summary>
    [MaxLength(200)]
    public string? EventName { get; set; }

    /// <summary>The client event's data string.</summary>
    public string? Data { get; set; }

    [MaxLength(64)]
    public string? SocketId { get; set; }

    public long? SubscriptionCount { get; set; }
}

internal sealed class WebhookBatchConfiguration : IEntityTypeConfiguration<WebhookBatch>
{
    public void Configure(EntityTypeBuilder<WebhookBatch> e)
    {
        e.ToTable("WebhookBatches");
        // Deduplication (Pusher retries a delivery with the same body, so the same time_ms): unique on (TimeMs,
        // BodySha256) rather than the hash alone, so new keys land at the right edge of the B-tree instead of on a
        // random page of an index as large as the table (docs/decisions/0018-appending-webhook-dedup-key.md).
        e.HasIndex(b => new { b.TimeMs, b.BodySha256 }).IsUnique();
        // The dashboard counts today's webhooks and shows the last one.
        e.HasIndex(b => b.ReceivedMs);
        e.HasMany(b => b.Events).WithOne(x => x.Batch).HasForeignKey(x => x.BatchId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ReceivedWebhookEventConfiguration : IEntityTypeConfiguration<ReceivedWebhookEvent>
{
    public void Configure(EntityTypeBuilder<ReceivedWebhookEvent> e)
    {
        e.ToTable("WebhookEvents");
        e.HasIndex(x => x.BatchId);
        // No index by channel: a channel's detail page finds its recent events through the event log's
        // (Channel, Id) index (Channels/Detail.cshtml.cs), which the writer maintains anyway.
    }
}
