namespace AdminConsole.Web.Webhooks;

/// <summary>
/// Refused deliveries reach the delivery log and the event log aggregated: ONE entry per source address and clock
/// minute, with the first refusal's details and how many there were. Why: anyone can post to /pusher/webhook, and
/// with an entry (and a chained audit entry, in the single writer's transaction) per refusal, one client wrote
/// 11,798 entries in 15 s and made signed webhooks wait behind them. Now a refusal costs a dictionary update; the
/// writer sees one item per source and minute, written when the minute ends (or the console stops).
/// </summary>
public sealed partial class WebhookRejectionLog : IHostedService, IDisposable
{
    /// <summary>Sources tracked in one minute; beyond that, refusals from further addresses share one entry.</summary>
    public const int MaxSources = 10_000;

    /// <summary>The source of the shared entry, and of refusals whose address is unknown.</summary>
    public const string OtherSources = "other";

    private readonly WebhookIngestor _ingestor;
    private readonly TimeProvider _time;
    private readonly ILogger<WebhookRejectionLog> _logger;
    private readonly Lock _gate = new();
    private Dictionary<string, Window> _open = new(StringComparer.Ordinal);
    private ITimer? _timer;

    private sealed class Window(RejectedDelivery first)
    {
        public RejectedDelivery First { get; } = first;
        public long Count = 1;
        public long LastReceivedMs = first.ReceivedMs;
    }

    public WebhookRejectionLog(WebhookIngestor ingestor, TimeProvider time, ILogger<WebhookRejectionLog> logger)
    {
        _ingestor = ingestor;
        _time = time;
        _logger = logger;
    }

    /// <summary>Counts a refusal; the first from its source this minute is kept whole.</summary>
    public void Add(RejectedDelivery rejection)
    {
        var source = rejection.RemoteAddress ?? OtherSources;
        lock (_gate)
        {
            if (!_open.ContainsKey(source) && _open.Count >= MaxSources)
                source = OtherSources;
            if (_open.TryGetValue(source, out var window))
            {
                window.Count++;
                window.LastReceivedMs = Math.Max(window.LastReceivedMs, rejection.ReceivedMs);
            }
            else
            {
                _open[source] = new Window(rejection);
            }
        }
    }

    /// <summary>Writes every open window now (the minute timer, the stop, and tests call it) and waits for the commit.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        Dictionary<string, Window> closed;
        lock (_gate)
        {
            if (_open.Count == 0) return;
            closed = _open;
            _open = new Dictionary<string, Window>(StringComparer.Ordinal);
        }
        var writes = closed.Select(w => _ingestor.RecordAsync(new RejectedDelivery
        {
            ReceivedMs = w.Value.First.ReceivedMs,
            RemoteAddress = w.Key == OtherSources ? w.Value.First.RemoteAddress : w.Key,
            FailedCheck = w.Value.First.FailedCheck,
            Reason = w.Value.First.Reason,
            Status = w.Value.First.Status,
            BodySha256 = w.Value.First.BodySha256,
            BodyLength = w.Value.First.BodyLength,
            Count = w.Value.Count,
            LastReceivedMs = w.Value.LastReceivedMs,
        }, cancellationToken)).ToList();
        try
        {
            await Task.WhenAll(writes);
        }
        catch (Exception ex)
        {
            // The writer logged the cause; the counts are lost, which is no reason to fail a stop or a timer.
            LogFlushFailed(_logger, ex, closed.Count);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // At every clock minute: entries then cover a calendar minute each, easy to line up with other logs.
        var now = _time.GetUtcNow();
        var next = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(1);
        _timer = _time.CreateTimer(_ => _ = FlushAsync(), null, next - now, TimeSpan.FromMinutes(1));
        return Task.CompletedTask;
    }

    /// <summary>Registered after the writer, so it stops first and the writer still stores what it hands over.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        await FlushAsync(cancellationToken);
    }

    public void Dispose() => _timer?.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording {Sources} sources' refused webhook deliveries failed.")]
    private static partial void LogFlushFailed(ILogger logger, Exception ex, int sources);
}
