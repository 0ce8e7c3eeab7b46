using System.Security.Cryptography;
using AdminConsole.LocalChannels;
using AdminConsole.Web.Data;
using AdminConsole.Web.Shared;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.Pusher;

public static partial class LocalChannelsSetup
{
    /// <summary>
    /// Local mode: with Pusher enabled but no credentials (the Development default, a fresh clone), the console hosts
    /// the local Pusher-protocol server on loopback and <see cref="PusherCredentials"/> points the protocol library,
    /// the auth endpoints, webhook verification and the pages' pusher-js at it. With credentials the console uses
    /// Pusher and hosts nothing.
    /// </summary>
    public static void AddLocalChannels(this WebApplicationBuilder builder)
    {
        var pusher = builder.Configuration.GetSection(PusherOptions.Section).Get<PusherOptions>() ?? new PusherOptions();
        var local = builder.Configuration.GetSection(LocalChannelsSettings.Section).Get<LocalChannelsSettings>() ?? new LocalChannelsSettings();
        // EF's design-time tools run Program only to build the host; they need no server.
        var enabled = local.Enabled ?? builder.Environment.IsDevelopment();
        if (!pusher.Enabled || pusher.HasCredentials || !enabled || EF.IsDesignTime)
            return;
        // Validated like every options class; only a console that hosts the server needs valid settings for it.
        builder.Services.AddOptions<LocalChannelsSettings>().BindConfiguration(LocalChannelsSettings.Section).ValidateDataAnnotations().ValidateOnStart();

        // Started when first needed, which is while the host starts (ChannelsOptions are validated on start), and
        // not while the builder runs: a host built before the console's own would be taken for the console's by
        // WebApplicationFactory, and commands such as create-admin would start a server for nothing.
        builder.Services.Replace(ServiceDescriptor.Singleton(sp =>
            Start(sp.GetRequiredService<IOptions<LocalChannelsSettings>>().Value, pusher.EncryptionMasterKeyBase64, new EmbeddedServerLogs(sp.GetRequiredService<ILoggerFactory>()))));
        builder.Services.AddHostedService<LocalChannelsLifetime>();
    }

    private static EmbeddedChannels Start(LocalChannelsSettings local, string? configuredMasterKey, ILoggerFactory logs)
    {
        var options = new LocalChannelsOptions
        {
            AppId = "local",
            Key = local.Key,
            // Per start and never written anywhere: nothing outside this process can sign for the local app.
            Secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
            Webhooks = { VacatedDelay = local.VacatedDelay },
            ClientEventsEnabled = local.ClientEvents,
        };
        var masterKey = string.IsNullOrWhiteSpace(configuredMasterKey)
            // So private-encrypted-class-{id} works end to end without configuration; pusher-js gets each channel's
            // shared secret from /pusher/auth, so a new key per start costs nothing but a resubscribe.
            ? Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
            : configuredMasterKey.Trim();

        // DI factories are synchronous. Starting Kestrel on loopback takes milliseconds and needs no caller context
        // (ASP.NET Core has no SynchronizationContext), so blocking here once, during host start, is safe.
        LocalChannelsServer server;
        int? requested = null;
        try
        {
            server = LocalChannelsServer.StartAsync(options, local.Port, logs).GetAwaiter().GetResult();
        }
        catch (IOException ex) when (local.Port != 0 && ex.InnerException is AddressInUseException)
        {
            // Another console (or a standalone local server) has the port: any free one works, since pages get it from us.
            server = LocalChannelsServer.StartAsync(options, 0, logs).GetAwaiter().GetResult();
            requested = local.Port;
        }
        return new EmbeddedChannels(server, masterKey, requested);
    }

    /// <summary>
    /// Once Kestrel listens, the local server delivers its webhooks to this console's /pusher/webhook (real, signed,
    /// through the same path Pusher's take); on stop, the local server closes its clients and stops.
    /// </summary>
    private sealed partial class LocalChannelsLifetime(EmbeddedChannels embedded, IServer server, StorageProvider storage, Leases leases,
        TimeProvider time, ILogger<LocalChannelsLifetime> logger) : IHostedLifecycleService
    {
        /// <summary>Held for the console's lifetime in local mode on a database several instances can share.</summary>
        public const string LeaseName = "local-channels";

        /// <summary>
        /// Renewed every 5 s: a second instance is refused while this one lives, and after a crash (no release) the
        /// instance can start again in local mode once 15 s have passed.
        /// </summary>
        internal static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(15);

        private static readonly TimeSpan s_renewEvery = TimeSpan.FromSeconds(5);

        private readonly CancellationTokenSource _stopRenewing = new();
        private Task _renewing = Task.CompletedTask;

        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        /// <summary>
        /// After the migrations (registered after them): local mode means one instance. Every page's pusher-js, every
        /// send and every webhook goes to this process's own local server, so a second instance behind the same
        /// address would show other channels, other members and other secrets. On a database several instances can
        /// share, the first takes the local-channels lease and a second is refused at start.
        /// </summary>
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            if (!storage.SharedByInstances)
                return;
            if (!await leases.TryTakeAsync(LeaseName, LeaseDuration, cancellationToken))
            {
                var holder = await leases.FindAsync(LeaseName, cancellationToken);
                throw new StartRefusedException(
                    "Local mode is single-instance: another console instance on this PostgreSQL database already hosts the local Channels server " +
                    $"(holder {holder?.Holder ?? "unknown"}, lease until {(holder is null ? "now" : DateTimeOffset.FromUnixTimeMilliseconds(holder.ExpiresUnixMs).ToString("u", System.Globalization.CultureInfo.InvariantCulture))}). " +
                    "Several instances need a real Pusher app: set PUSHER_APP_ID, PUSHER_KEY and PUSHER_SECRET (Pusher:AppId, Key, Secret) on every instance. " +
                    "If that instance has stopped, this one can start once the lease has expired.");
            }
            _renewing = RenewAsync(_stopRenewing.Token);
        }

        private async Task RenewAsync(CancellationToken ct)
        {
            using var timer = new PeriodicTimer(s_renewEvery, time);
            try
            {
                while (await timer.WaitForNextTickAsync(ct))
                {
                    try
                    {
                        if (!await leases.TryTakeAsync(LeaseName, LeaseDuration, ct))
                            LogLeaseLost(logger);
                    }
                    catch (System.Data.Common.DbException ex)
                    {
                        LogRenewFailed(logger, ex);
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
        }

        public Task StartedAsync(CancellationToken cancellationToken)
        {
            var local = embedded.Server!;
            var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var webhookUrl = WebhookUrl(addresses);
            if (webhookUrl is not null)
                local.Webhooks.SetUrls([webhookUrl]);
            embedded.WebhookUrl = webhookUrl;
            if (embedded.RequestedPort is { } taken)
                LogPortTaken(logger, taken, local.Port);
            LogStarted(logger, local.Host, local.Port, webhookUrl ?? "nowhere (the console has no HTTP address)");
            // The start-up reconcile with the fresh server is the occupancy feature's (Occupancy/LocalStartReconcile).
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        /// <summary>
        /// Before anything else stops: the local server closes its clients while the console still listens, so the
        /// channel_vacated and member_removed that causes are delivered and stored, rather than sent to a closed
        /// port and logged as failures all through the stop.
        /// </summary>
        public async Task StoppingAsync(CancellationToken cancellationToken)
        {
            // The lease itself is released by Leases, which stops after every feature.
            await _stopRenewing.CancelAsync();
            await _renewing;
            await embedded.DisposeAsync();
        }

        public async Task StoppedAsync(CancellationToken cancellationToken) => await embedded.DisposeAsync();

        [LoggerMessage(Level = LogLevel.Information, Message = "Local mode: no Pusher credentials are configured, so the console hosts a local Channels server at {Host}:{Port}; its webhooks go to {WebhookUrl}. Set PUSHER_APP_ID, PUSHER_KEY and PUSHER_SECRET to use a Pusher app instead.")]
        private static partial void LogStarted(ILogger logger, string host, int port, string webhookUrl);

        [LoggerMessage(Level = LogLevel.Critical, Message = "Local mode: another instance has taken the local-channels lease (this one could not renew it in time); run one instance in local mode, or configure a Pusher app.")]
        private static partial void LogLeaseLost(ILogger logger);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Local mode: the local-channels lease could not be renewed; retrying.")]
        private static partial void LogRenewFailed(ILogger logger, Exception ex);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Local mode: port {Requested} is in use; the local Channels server listens on {Port} instead.")]
        private static partial void LogPortTaken(ILogger logger, int requested, int port);
    }

    /// <summary>
    /// The console's own /pusher/webhook as the local server (on loopback) can reach it: an http address if there is
    /// one, with wildcard hosts made loopback. Null under TestServer, which has no address.
    /// </summary>
    internal static string? WebhookUrl(IEnumerable<string> addresses)
    {
        var uris = addresses
            .Select(a => Uri.TryCreate(a.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var u) ? u : null)
            .OfType<Uri>()
            .OrderBy(u => u.Scheme == Uri.UriSchemeHttp ? 0 : 1)
            .ToList();
        if (uris.Count == 0) return null;
        var uri = uris[0];
        var host = uri.Host switch
        {
            "0.0.0.0" or "localhost" => "127.0.0.1",
            "[::]" or "::" => "[::1]",
            var h => uri.HostNameType == UriHostNameType.IPv6 ? $"[{h.Trim('[', ']')}]" : h,
        };
        return $"{uri.Scheme}://{host}:{uri.Port}/pusher/webhook";
    }
}

/// <summary>
/// The console's logging for the embedded server, without its host's lifetime messages: "Now listening on" and
/// "Application started" would read as the console's own (and tools that look for the console's address would take
/// the local server's). Its own messages, webhook delivery failures above all, go to the console's log.
/// </summary>
internal sealed class EmbeddedServerLogs(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) =>
        categoryName.StartsWith("Microsoft.Hosting.Lifetime", StringComparison.Ordinal)
            ? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance
            : inner.CreateLogger(categoryName);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    // The console's factory belongs to the console's host.
    public void Dispose() { }
}

/// <summary>
/// The local server the console hosts in local mode; <see cref="Server"/> is null when the console uses a Pusher app
/// (or none). <see cref="PusherCredentials"/> reads it: it is what makes the local app "the" app.
/// </summary>
public sealed class EmbeddedChannels(LocalChannelsServer? server, string? masterKeyBase64, int? requestedPort = null) : IAsyncDisposable
{
    private int _disposed;

    public static EmbeddedChannels None { get; } = new(null, null);

    public LocalChannelsServer? Server { get; } = server;

    /// <summary>The encryption master key of local mode (configured or generated per start).</summary>
    internal string? MasterKeyBase64 { get; } = masterKeyBase64;

    /// <summary>The configured port when it was taken and another was used.</summary>
    internal int? RequestedPort { get; } = requestedPort;

    /// <summary>Where the local server delivers webhooks, once the console listens.</summary>
    public string? WebhookUrl { get; internal set; }

    public bool IsLocal => Server is not null;

    /// <summary>Stops the local server (its clients get close code 4200 and reconnect to the next start).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Server is not null && Interlocked.Exchange(ref _disposed, 1) == 0)
            await Server.DisposeAsync();
    }
}
