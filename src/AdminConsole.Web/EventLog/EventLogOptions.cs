using System.ComponentModel.DataAnnotations;

namespace AdminConsole.Web.EventLog;

/// <summary>The "EventLog" configuration section.</summary>
public sealed class EventLogOptions
{
    public const string Section = "EventLog";

    /// <summary>Entries older than this many days are purged; null (the default) keeps everything.</summary>
    [Range(1, 36_500)]
    public int? RetentionDays { get; set; }

    /// <summary>Entries deleted per purge transaction: small, so the webhook writer never waits long.</summary>
    [Range(10, 10_000)]
    public int PurgeBatchSize { get; set; } = 500;

    /// <summary>How often retention looks for expired entries.</summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often the live feed looks for new entries to push to open log pages.</summary>
    public TimeSpan FeedInterval { get; set; } = TimeSpan.FromSeconds(1);
}
