namespace AdminConsole.LocalChannels.Tests.Infrastructure;

/// <summary>A local server plus the peer host (auth endpoints, webhook receiver) it delivers webhooks to.</summary>
public sealed class ServerUnderTest : IAsyncDisposable
{
    public const string AppId = "4242";
    public const string Key = "test-key";
    public const string Secret = "test-secret";

    private ServerUnderTest(LocalChannelsServer server, PeerHost peer)
    {
        Server = server;
        Peer = peer;
    }

    public LocalChannelsServer Server { get; }
    public PeerHost Peer { get; }
    public int Port => Server.Port;

    public static async Task<ServerUnderTest> StartAsync(Action<LocalChannelsOptions>? configure = null, TimeProvider? time = null)
    {
        var peer = await PeerHost.StartAsync(Key, Secret);
        var options = new LocalChannelsOptions { AppId = AppId, Key = Key, Secret = Secret };
        options.Webhooks.Urls.Add(peer.WebhookUrl);
        options.Webhooks.VacatedDelay = TimeSpan.Zero;
        options.Webhooks.SubscriptionCount = true;
        options.Webhooks.InitialRetryDelay = TimeSpan.FromMilliseconds(50);
        configure?.Invoke(options);
        var server = await LocalChannelsServer.StartAsync(options, 0, time: time);
        return new ServerUnderTest(server, peer);
    }

    /// <summary>Environment for the node scripts: where the server and the auth endpoints are.</summary>
    public Dictionary<string, string> NodeEnv() => new()
    {
        ["LC_HOST"] = "127.0.0.1",
        ["LC_PORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["LC_APP_ID"] = AppId,
        ["LC_KEY"] = Key,
        ["LC_SECRET"] = Secret,
        ["LC_AUTH_BASE"] = Peer.BaseUrl,
    };

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Peer.DisposeAsync();
    }
}
