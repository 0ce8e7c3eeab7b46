using System.Data.Common;
using AdminConsole.Channels;

namespace AdminConsole.Web.Webhooks;

/// <summary>
/// Told what each ingest transaction committed, after the commit, on the writer's thread: implementations must
/// only note it and return (the live pages' publisher does; see Program.cs for who implements it).
/// </summary>
public interface IWebhookActivityNotifier
{
    void Committed(CommittedGroup group);
}

/// <summary>
/// What the writer applies every stored event to, inside the same transaction (the occupancy projection). Owned here
/// so the ingest does not depend on the feature that reads webhooks back for its pages.
/// </summary>
public interface IWebhookProjection
{
    /// <summary>The newest time_ms the projection can order (webhooks beyond it are refused as malformed).</summary>
    const long MaxTimeMs = (1L << 51) - 1;

    /// <summary>Prepares the projection's statements on the writer's open transaction (the configured provider's).</summary>
    IWebhookProjector Open(DbTransaction transaction);
}

/// <summary>One transaction's projection; disposed with the transaction's statements.</summary>
public interface IWebhookProjector : IDisposable
{
    /// <summary>Applies one event (its position in its batch is <paramref name="index"/>) and says what it changed.</summary>
    ProjectionChange Apply(string name, string? channel, string? userId, long? subscriptionCount, long timeMs, int index);

    /// <summary>Writes whatever <see cref="Apply"/> deferred (a provider may batch its statements); before the commit.</summary>
    void Complete();
}

/// <summary>What an applied event changed.</summary>
[Flags]
public enum ProjectionChange
{
    None = 0,
    Channel = 1,
    Occupancy = 2,
    Member = 4,
}

/// <summary>A stored webhook event as the live pages show it.</summary>
public sealed record EventView(long Id, string Name, string? Channel, string? UserId, string? EventName, long TimeMs, long ReceivedMs);

/// <summary>What one ingest commit changed, handed to <see cref="IWebhookActivityNotifier"/> after the commit.</summary>
public sealed class CommittedGroup
{
    public int Batches;
    public readonly HashSet<string> Channels = new(StringComparer.Ordinal);
    public readonly HashSet<(string Channel, string UserId)> Members = [];
    public readonly List<EventView> Events = [];

    public void Add(long eventId, WebhookEvent e, long timeMs, long receivedMs, ProjectionChange change)
    {
        Events.Add(new EventView(eventId, e.Name, e.Channel, e.UserId, e.Event, timeMs, receivedMs));
        if (e.Channel is null) return;
        if ((change & ProjectionChange.Channel) != 0) Channels.Add(e.Channel);
        if ((change & ProjectionChange.Member) != 0 && e.UserId is not null) Members.Add((e.Channel, e.UserId));
    }
}
