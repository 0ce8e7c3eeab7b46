using System.Diagnostics.Metrics;

namespace AdminConsole.Web.Compose;

/// <summary>The compose feature's instruments (meter <c>AdminConsole.Compose</c>).</summary>
public sealed class ComposeMetrics
{
    public const string MeterName = "AdminConsole.Compose";

    private readonly Counter<long> _sends;
    private readonly Histogram<double> _apiDuration;

    public ComposeMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _sends = meter.CreateCounter<long>("adminconsole.compose.sends", "{send}",
            "Sends from the compose page and /realtime/trigger, by outcome (sent, failed, notsent).");
        _apiDuration = meter.CreateHistogram<double>("adminconsole.pusher.api.duration", "s",
            "Duration of Pusher HTTP API calls made for sends, by operation and outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
    }

    /// <param name="apiDuration">How long Pusher's API took; null when no call was made.</param>
    public void Sent(SendStatus outcome, TimeSpan? apiDuration)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome.ToString().ToLowerInvariant());
        _sends.Add(1, tag);
        if (apiDuration is { } d)
            _apiDuration.Record(d.TotalSeconds, new KeyValuePair<string, object?>("operation", "trigger"), tag);
    }
}
