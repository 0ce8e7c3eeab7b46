namespace AdminConsole.Web.Webhooks;

/// <summary>
/// Whether the webhook writer is under load: more than a tenth of <see cref="WebhookOptions.LogInlineUpToEventsPerSecond"/>
/// events committed in the current and the previous 100 ms window. Below the default (10,000 events/s) logging inline
/// costs the acknowledgements a few milliseconds at most. It measures the machine, so the ingestor gives it real time,
/// not the console's clock.
/// </summary>
internal sealed class WriterLoad(TimeProvider time, int logInlineUpToEventsPerSecond)
{
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(100);

    private readonly long _busyAbove = logInlineUpToEventsPerSecond / 10;
    private long _windowStart = time.GetTimestamp();
    private long _current;
    private long _previous;

    public bool Busy
    {
        get
        {
            Roll();
            return _current + _previous > _busyAbove;
        }
    }

    /// <summary>Nothing committed in the current and the previous window.</summary>
    public bool Quiet
    {
        get
        {
            Roll();
            return _current + _previous == 0;
        }
    }

    public void Add(int events)
    {
        Roll();
        _current += events;
    }

    private void Roll()
    {
        var now = time.GetTimestamp();
        var elapsed = time.GetElapsedTime(_windowStart, now);
        if (elapsed < Window)
            return;
        _previous = elapsed < Window * 2 ? _current : 0;
        _current = 0;
        _windowStart = now;
    }
}
