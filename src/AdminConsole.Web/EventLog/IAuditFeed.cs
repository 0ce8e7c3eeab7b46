namespace AdminConsole.Web.EventLog;

/// <summary>Receives committed log entries, oldest first, from <see cref="EventLogFeed"/> (the live event log implements it).</summary>
public interface IAuditFeed
{
    /// <summary>At most this many entries per publication; older ones are counted as skipped instead.</summary>
    const int MaxEntries = 200;

    void Publish(IReadOnlyList<AuditEntry> entries, int skipped);
}
