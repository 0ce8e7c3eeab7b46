using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AdminConsole.Web.Compose;

/// <summary>
/// One send through <c>/realtime/trigger</c> or the compose page. Recorded before it goes to Pusher and updated
/// with the outcome, so a send that crashed half-way is still visible as <see cref="SendStatus.Pending"/>.
/// </summary>
public class SentEvent
{
    public long Id { get; set; }

    [MaxLength(450)]
    public string SenderId { get; set; } = "";

    [MaxLength(256)]
    public string SenderName { get; set; } = "";

    /// <summary>The target channels as a JSON array (channel names may contain commas).</summary>
    public string Channels { get; set; } = "[]";

    public int ChannelCount { get; set; }

    [MaxLength(200)]
    public string EventName { get; set; } = "";

    /// <summary>The event data exactly as sent (a string; JSON for the console's own sends).</summary>
    public string Data { get; set; } = "";

    [MaxLength(64)]
    public string? SocketId { get; set; }

    public DateTime CreatedUtc { get; set; }

    public DateTime? CompletedUtc { get; set; }

    public SendStatus Status { get; set; }

    /// <summary>Pusher's HTTP status; null when it was not reached.</summary>
    public int? PusherStatus { get; set; }

    /// <summary>Pusher's answer (plain text on errors) or our reason for not sending, clipped.</summary>
    [MaxLength(2000)]
    public string? PusherBody { get; set; }

    public int? DurationMs { get; set; }

    /// <summary>The failed send this one retried.</summary>
    public long? RetryOfId { get; set; }
}

public enum SendStatus
{
    Pending = 0,
    Sent = 1,
    Failed = 2,
    /// <summary>Pusher is disabled (PUSHER_ENABLED=false) or not configured.</summary>
    NotSent = 3,
}

internal sealed class SentEventConfiguration : IEntityTypeConfiguration<SentEvent>
{
    public void Configure(EntityTypeBuilder<SentEvent> e)
    {
        e.ToTable("SentEvents");
        e.Property(s => s.Status).HasConversion<string>().HasMaxLength(16);
        // History pages: a teacher's own sends, newest first; everyone's, newest first (the primary key).
        e.HasIndex(s => new { s.SenderId, s.Id });
    }
}
