using System.Diagnostics.Metrics;

namespace AdminConsole.Web.Webhooks;

/// <summary>The webhook feature's instruments (meter <c>AdminConsole.Webhooks</c>).</summary>
public sealed class WebhookMetrics
{
    public const string MeterName = "AdminConsole.Webhooks";

    private readonly Meter _meter;
    private readonly Counter<long> _received;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _duplicates;
    private readonly Histogram<double> _commitDuration;

    public WebhookMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _received = _meter.CreateCounter<long>("adminconsole.webhooks.received", "{delivery}",
            "Verified webhook deliveries acknowledged with 200 (duplicates included).");
        _rejected = _meter.CreateCounter<long>("adminconsole.webhooks.rejected", "{delivery}",
            "Webhook deliveries refused, by the check that failed.");
        _duplicates = _meter.CreateCounter<long>("adminconsole.webhooks.duplicate", "{delivery}",
            "Verified deliveries that repeated one already stored.");
        _commitDuration = _meter.CreateHistogram<double>("adminconsole.webhooks.commit.duration", "s",
            "Duration of the webhook writer's transactions (each covers every delivery that was waiting).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
    }

    public void Received(bool duplicate)
    {
        _received.Add(1);
        if (duplicate)
            _duplicates.Add(1);
    }

    public void Rejected(string check) => _rejected.Add(1, new KeyValuePair<string, object?>("check", check));

    public void Committed(TimeSpan duration) => _commitDuration.Record(duration.TotalSeconds);

    /// <summary>The writer's gauges, read when a scrape or export asks.</summary>
    public void ObserveWriter(Func<int> queueDepth, Func<long> logLag)
    {
        _meter.CreateObservableGauge("adminconsole.webhooks.queue.depth", queueDepth, "{delivery}",
            "Deliveries (and rejections) waiting for the webhook writer.");
        _meter.CreateObservableGauge("adminconsole.eventlog.lag", logLag, "{delivery}",
            "Webhook deliveries acknowledged but not yet in the event log (the writer logs them once load drops).");
    }
}
