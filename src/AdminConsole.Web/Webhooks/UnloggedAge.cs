namespace AdminConsole.Web.Webhooks;

/// <summary>
/// How long ago the oldest delivery whose events are not yet in the event log was committed (and acknowledged), from
/// the writer's own commits: a mark per commit that left the log behind (commits within 50 ms share one, so a long
/// backlog keeps at most 20 marks a second, dated by the oldest), dropped once the log passes it. Written and read by
/// the writer thread alone; machine time, like <see cref="WriterLoad"/>.
/// </summary>
internal sealed class UnloggedAge(TimeProvider time)
{
    private static readonly TimeSpan Resolution = TimeSpan.FromMilliseconds(50);
    private readonly LinkedList<(long StoredBatchId, long Timestamp)> _marks = new();

    /// <summary>After a commit or a catch-up: the newest delivery stored and the newest logged.</summary>
    public void Update(long stored, long logged)
    {
        while (_marks.First is { } oldest && oldest.Value.StoredBatchId <= logged)
            _marks.RemoveFirst();
        if (stored <= logged || (_marks.Last is { } last && stored <= last.Value.StoredBatchId))
            return;
        var now = time.GetTimestamp();
        if (_marks.Last is { } recent && time.GetElapsedTime(recent.Value.Timestamp, now) < Resolution)
            recent.Value = (stored, recent.Value.Timestamp);
        else
            _marks.AddLast((stored, now));
    }

    /// <summary>Zero when the log is current.</summary>
    public TimeSpan Age => _marks.First is { } oldest ? time.GetElapsedTime(oldest.Value.Timestamp) : TimeSpan.Zero;
}
