using AdminConsole.Web.Transport;

namespace AdminConsole.Web.Pusher;

/// <summary>
/// Where pusher-js connects, from the same settings the pages get: the local server's or a self-hosted server's
/// ws(s) origin, or Pusher's WebSocket and fallback hosts of the configured cluster.
/// </summary>
internal sealed class PusherConnectSources(PusherClientSettings settings) : IConnectSources
{
    public IReadOnlyList<string> Origins { get; } = For(settings.Client?.Options);

    private static string[] For(PusherJsOptions? o)
    {
        if (o is null)
            return [];
        if (o.WsHost is { } host)
        {
            var hostPart = host.Contains(':') ? $"[{host}]" : host; // an IPv6 literal
            return o.ForceTls
                ? [$"wss://{hostPart}:{o.WssPort}"]
                : [$"ws://{hostPart}:{o.WsPort}", $"wss://{hostPart}:{o.WssPort}"];
        }
        // pusher-js: ws-{cluster} for the WebSocket, sockjs-{cluster} for its HTTP fallbacks.
        return [$"wss://ws-{o.Cluster}.pusher.com", $"https://sockjs-{o.Cluster}.pusher.com"];
    }
}
