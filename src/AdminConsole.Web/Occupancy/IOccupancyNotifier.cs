namespace AdminConsole.Web.Occupancy;

/// <summary>Told which channels and presence members a writer outside the ingest (reconcile) changed, after its commit.</summary>
public interface IOccupancyNotifier
{
    void Changed(IEnumerable<string> channels, IEnumerable<(string Channel, string UserId)> members);
}
