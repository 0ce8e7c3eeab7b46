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

    /// <summary>
    /// How long an acknowledged event may wait for its event-log entry (seconds). Deferring the log is for bursts:
    /// once the oldest unlogged delivery was committed longer ago than this, every commit also appends the oldest
    /// entries, twice as many as it stores, so a sustained rate above what the log absorbs slows the acknowledgements
    /// down (back-pressure) instead of growing a backlog for the length of the run (issue 17: a 4-minute soak at
    /// 14,300 events/s ended with millions of events unlogged). 3 s: a burst of up to 3 s at the batched peak is still
    /// acknowledged first, and the lag stays well under the 10 s the soak allows.
    /// </summary>
    [Range(0.1, 3600)]
    public double LogMaxLagSeconds { get; set; } = 3;

    /// <summary>
    /// /health/ready reports Degraded (still 200) when more stored deliveries than this wait for their event-log
    /// entries: about 2.5 s of the batched peak (4,000 deliveries/s of 10 events), so a burst the deferred log is
    /// built for shows briefly, and a log that does not catch up stays visible to the operator.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int ReadyMaxLogLag { get; set; } = 10_000;
}
