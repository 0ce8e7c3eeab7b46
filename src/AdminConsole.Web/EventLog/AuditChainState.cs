namespace AdminConsole.Web.EventLog;

/// <summary>
/// The single row that anchors the hash chain: the newest sealed entry (head) and, after retention, the last
/// purged entry (checkpoint) so that a purged prefix does not break verification.
/// </summary>
public class AuditChainState
{
    public const int SingletonId = 1;

    /// <summary><see cref="SingletonId"/> for constant SQL text.</summary>
    internal const string SingletonIdText = "1";

    public int Id { get; set; } = SingletonId;
    public long HeadId { get; set; }
    public byte[] HeadHash { get; set; } = AuditChain.Genesis;
    public long CheckpointId { get; set; }
    public byte[] CheckpointHash { get; set; } = AuditChain.Genesis;

    /// <summary>The latest TimeUtc sealed so far (ticks).</summary>
    public long MaxTimeTicks { get; set; }

    /// <summary>
    /// How far, at most, an entry's TimeUtc has lagged behind an earlier entry's (ticks). Times are stamped when an
    /// entry is added and Ids when it is saved, so Id order is time order only up to this skew (milliseconds in
    /// practice, more after an import). For Ids i &lt; k it guarantees time(i) &lt;= time(k) + skew, which lets the log
    /// turn a time range into exact Id bounds with two index seeks (<see cref="EventLogQuery"/>).
    /// </summary>
    public long MaxSkewTicks { get; set; }

    /// <summary>
    /// The newest webhook delivery whose events are in the log. Under load the webhook writer acknowledges deliveries
    /// before logging them (Webhooks/WebhookIngestor.cs) and logs everything after this id once the load drops; moved
    /// in the transaction that appends the entries, so a crash neither loses nor repeats any.
    /// </summary>
    public long LoggedWebhookBatchId { get; set; }
}
