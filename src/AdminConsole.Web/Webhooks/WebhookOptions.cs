using System.ComponentModel.DataAnnotations;

namespace AdminConsole.Web.Webhooks;

/// <summary>The "Webhooks" configuration section.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>
    /// Up to this rate (events/s, over the last 100-200 ms) the events' event-log entries are written in the
    /// transaction that stores them. Above it the writer acknowledges first and appends the entries as soon as the
    /// rate drops (see <see cref="WebhookIngestor"/>). 0: whenever any delivery arrived in the last 100-200 ms.
    /// </summary>
    [Range(0, 10_000_000)]
    public int LogInlineUpToEventsPerSecond { get; set; } = 10_000;
}
