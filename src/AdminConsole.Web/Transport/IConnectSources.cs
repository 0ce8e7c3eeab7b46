namespace AdminConsole.Web.Transport;

/// <summary>
/// Origins the console's pages open connections to besides their own (the Channels WebSocket), for the CSP's
/// connect-src. Owned here so that the feature that knows them (Pusher) tells this one, not the other way round.
/// </summary>
public interface IConnectSources
{
    IReadOnlyList<string> Origins { get; }
}
