using System.Text.Json.Serialization;
using AdminConsole.Channels;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.Pusher;

/// <summary>
/// What the console's pages give pusher-js, decided in this one place from the same <see cref="ChannelsOptions"/>
/// the server signs with: Pusher's cluster with a real app, the embedded server's loopback port in local mode.
/// Holds the public key only; the secret never leaves the server.
/// </summary>
public sealed class PusherClientSettings
{
    public const string AuthEndpoint = "/pusher/auth";
    public const string UserAuthEndpoint = "/pusher/user-auth";

    public PusherClientSettings(IOptions<ChannelsOptions> channels, PusherApp app, EmbeddedChannels embedded)
    {
        var o = channels.Value;
        if (!app.Enabled)
        {
            Mode = new(ChannelsModeKind.Disabled, "Pusher is disabled (PUSHER_ENABLED=false): nothing is sent and pages do not connect.");
            return;
        }
        if (!app.IsConfigured)
        {
            Mode = new(ChannelsModeKind.NotConfigured, "No Pusher app is configured and local mode is off: pages cannot connect.");
            return;
        }

        var auth = new PusherJsEndpoint(AuthEndpoint);
        var userAuth = new PusherJsEndpoint(UserAuthEndpoint);
        if (embedded.Server is { } local)
        {
            Mode = new(ChannelsModeKind.Local, $"Local Channels server at {local.Host}:{local.Port}", local.Host, local.Port);
            Client = new(o.Key, new PusherJsOptions
            {
                // pusher-js 8 requires a cluster even when wsHost makes it irrelevant.
                Cluster = o.Cluster,
                WsHost = local.Host,
                WsPort = local.Port,
                WssPort = local.Port,
                ForceTls = false,
                EnabledTransports = ["ws"],
                ChannelAuthorization = auth,
                UserAuthentication = userAuth,
            });
        }
        else if (!string.IsNullOrWhiteSpace(o.Host))
        {
            // A self-hosted Pusher-protocol server (e.g. soketi): its WebSocket listens beside its HTTP API.
            var tls = o.Scheme.Equals("https", StringComparison.OrdinalIgnoreCase);
            var port = o.Port ?? (tls ? 443 : 80);
            Mode = new(ChannelsModeKind.SelfHosted, $"Pusher-protocol server at {o.Host}:{port}, app {o.AppId}", o.Host, port);
            Client = new(o.Key, new PusherJsOptions
            {
                Cluster = o.Cluster,
                WsHost = o.Host,
                WsPort = port,
                WssPort = port,
                ForceTls = tls,
                EnabledTransports = tls ? ["ws", "wss"] : ["ws"],
                ChannelAuthorization = auth,
                UserAuthentication = userAuth,
            });
        }
        else
        {
            Mode = new(ChannelsModeKind.Pusher, $"Pusher cluster {o.Cluster}, app {o.AppId}");
            Client = new(o.Key, new PusherJsOptions
            {
                Cluster = o.Cluster,
                ForceTls = true,
                ChannelAuthorization = auth,
                UserAuthentication = userAuth,
            });
        }
    }

    /// <summary>Which Channels service the console uses, for people reading the dashboard.</summary>
    public ChannelsMode Mode { get; }

    /// <summary><c>new Pusher(Client.Key, Client.Options)</c>; null when pages cannot connect.</summary>
    public PusherJsClient? Client { get; }
}

public enum ChannelsModeKind { Pusher, SelfHosted, Local, NotConfigured, Disabled }

public sealed record ChannelsMode(ChannelsModeKind Kind, string Summary, string? Host = null, int? Port = null);

/// <summary>Serialized as is into the page: property names are pusher-js option names.</summary>
public sealed record PusherJsClient(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("options")] PusherJsOptions Options);

public sealed class PusherJsOptions
{
    [JsonPropertyName("cluster")] public required string Cluster { get; init; }
    [JsonPropertyName("wsHost"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? WsHost { get; init; }
    [JsonPropertyName("wsPort"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? WsPort { get; init; }
    [JsonPropertyName("wssPort"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? WssPort { get; init; }
    [JsonPropertyName("forceTLS")] public bool ForceTls { get; init; }
    [JsonPropertyName("enabledTransports"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string[]? EnabledTransports { get; init; }
    // Pusher's stats endpoint is on the internet; a school console has no business reporting to it.
    [JsonPropertyName("disableStats")] public bool DisableStats { get; init; } = true;
    [JsonPropertyName("channelAuthorization")] public required PusherJsEndpoint ChannelAuthorization { get; init; }
    [JsonPropertyName("userAuthentication")] public required PusherJsEndpoint UserAuthentication { get; init; }
}

public sealed record PusherJsEndpoint(
    [property: JsonPropertyName("endpoint")] string Endpoint,
    [property: JsonPropertyName("transport")] string Transport = "ajax");
