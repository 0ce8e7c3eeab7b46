using System.Net;
using AdminConsole.Channels;
using AdminConsole.LocalChannels.State;
using AdminConsole.LocalChannels.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace AdminConsole.LocalChannels;

/// <summary>
/// The local server on its own Kestrel, bound to loopback: what the console (or a test) starts in-process
/// when no Pusher credentials are configured. pusher-js connects to <see cref="Host"/>:<see cref="Port"/>
/// over ws, and <see cref="CreateClientOptions"/> points a <see cref="ChannelsClient"/> at the same port.
/// </summary>
public sealed class LocalChannelsServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LocalChannelsServer(WebApplication app, LocalChannelsOptions options, int port)
    {
        _app = app;
        Options = options;
        Port = port;
    }

    /// <summary>Always the IPv4 loopback address: the server is for this machine only.</summary>
    public string Host => "127.0.0.1";

    /// <summary>The bound port (the ephemeral one when started with port 0).</summary>
    public int Port { get; }

    public Uri BaseAddress => new($"http://{Host}:{Port}/");

    public LocalChannelsOptions Options { get; }

    public IServiceProvider Services => _app.Services;

    public ChannelRegistry Channels => _app.Services.GetRequiredService<ChannelRegistry>();
    public ConnectionRegistry Connections => _app.Services.GetRequiredService<ConnectionRegistry>();
    public WebhookDispatcher Webhooks => _app.Services.GetRequiredService<WebhookDispatcher>();

    /// <summary>
    /// Starts the server on 127.0.0.1:<paramref name="port"/> (0 = any free port; read <see cref="Port"/> afterwards).
    /// </summary>
    /// <param name="options">App credentials, webhook URLs and limits.</param>
    /// <param name="port">Port to bind; 0 for an ephemeral one.</param>
    /// <param name="loggerFactory">Where to log (the host's factory when embedded); none when null.</param>
    /// <param name="time">Clock for timestamps, timeouts and webhook delays (system clock when null).</param>
    public static async Task<LocalChannelsServer> StartAsync(LocalChannelsOptions options, int port = 0,
        ILoggerFactory? loggerFactory = null, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        // An empty builder reads no appsettings or environment: embedded in the console it must not pick up the console's URLs.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(LocalChannelsServer).Assembly.GetName().Name });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        // Fan-out writes to many sockets at once; running socket continuations inline saves a thread-pool hop per
        // frame. Safe here because nothing in this server blocks: all its handlers are short and asynchronous.
        builder.WebHost.UseSockets(s => s.UnsafePreferInlineScheduling = true);
        builder.Services.AddRoutingCore();
        builder.Services.AddLogging();
        if (loggerFactory is not null) builder.Services.Replace(ServiceDescriptor.Singleton(loggerFactory));
        if (time is not null) builder.Services.AddSingleton(time);
        builder.Services.AddLocalChannels(options);

        var app = builder.Build();
        app.UseWebSockets();
        app.UseRouting();
        app.MapLocalChannels();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new LocalChannelsServer(app, options, new Uri(address).Port);
    }

    /// <summary>Options for a <see cref="ChannelsClient"/> that talks to this server's HTTP API.</summary>
    public ChannelsOptions CreateClientOptions() => new()
    {
        AppId = Options.AppId,
        Key = Options.Key,
        Secret = Options.Secret,
        Host = Host,
        Port = Port,
        Scheme = "http",
    };

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
