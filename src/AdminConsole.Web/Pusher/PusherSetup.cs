using AdminConsole.Channels;
using AdminConsole.Web.Transport;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.Pusher;

public static class PusherSetup
{
    private static readonly (string Variable, string Key)[] SeedVariables =
    [
        ("PUSHER_ENABLED", "Pusher:Enabled"),
        ("PUSHER_APP_ID", "Pusher:AppId"),
        ("PUSHER_KEY", "Pusher:Key"),
        ("PUSHER_SECRET", "Pusher:Secret"),
        ("PUSHER_CLUSTER", "Pusher:Cluster"),
    ];

    public static void AddPusher(this WebApplicationBuilder builder)
    {
        // The seed's deployment sets PUSHER_* variables; they win over appsettings like any environment variable.
        var mapped = SeedVariables
            .Select(v => (v.Key, Value: builder.Configuration[v.Variable]))
            .Where(v => !string.IsNullOrEmpty(v.Value))
            .ToDictionary(v => v.Key, v => v.Value);
        if (mapped.Count > 0)
            builder.Configuration.AddInMemoryCollection(mapped);

        builder.Services.AddOptions<PusherOptions>()
            .BindConfiguration(PusherOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // The protocol library reads ChannelsOptions; they are derived from the Pusher section in exactly one place
        // (PusherCredentials) so a later source of credentials (e.g. an embedded local server) only has to
        // post-configure ChannelsOptions.
        // Local mode (LocalChannelsSetup) replaces this with the server it started.
        builder.Services.AddSingleton(EmbeddedChannels.None);
        builder.Services.AddSingleton<IConfigureOptions<ChannelsOptions>, PusherCredentials>();
        // The library registers the typed client, the signer and the webhook verifier over those options. With no
        // credentials at all the console still starts (auth and sends then answer 503); once credentials are given,
        // every problem with them stops the start instead of surfacing on the first subscription.
        builder.Services.AddChannelsClient(allowUnconfigured: true);
        builder.Services.AddSingleton<PusherApp>();
        builder.Services.AddSingleton<PusherClientSettings>();
        builder.Services.AddSingleton<IConnectSources, PusherConnectSources>();
    }
}

/// <summary>
/// Where the console's Pusher credentials come from: the "Pusher" section (and the seed's PUSHER_* variables), or,
/// in local mode, the embedded local server. This is the single mapping onto the protocol library's
/// <see cref="ChannelsOptions"/>; everything else (auth, sends, webhook verification, pusher-js settings) reads those.
/// </summary>
internal sealed class PusherCredentials(IOptions<PusherOptions> pusher, EmbeddedChannels embedded) : IConfigureOptions<ChannelsOptions>
{
    public void Configure(ChannelsOptions options)
    {
        var p = pusher.Value;
        if (embedded.Server is { } local)
        {
            var client = local.CreateClientOptions();
            options.AppId = client.AppId;
            options.Key = client.Key;
            options.Secret = client.Secret;
            options.Host = client.Host;
            options.Port = client.Port;
            options.Scheme = client.Scheme;
            options.EncryptionMasterKeyBase64 = embedded.MasterKeyBase64;
            options.Timeout = p.Timeout;
            return;
        }
        options.AppId = p.AppId?.Trim() ?? "";
        options.Key = p.Key?.Trim() ?? "";
        options.Secret = p.Secret?.Trim() ?? "";
        options.Cluster = p.Cluster;
        options.Host = p.Host;
        options.Port = p.Port;
        options.Scheme = p.Scheme;
        options.EncryptionMasterKeyBase64 = string.IsNullOrWhiteSpace(p.EncryptionMasterKeyBase64) ? null : p.EncryptionMasterKeyBase64.Trim();
        options.Timeout = p.Timeout;
    }
}

/// <summary>
/// The configured Pusher app as the console's features need it: whether it can sign and send, and the protocol
/// library's signer and webhook verifier (registered by AddChannelsClient).
/// </summary>
/// <remarks>
/// One credentials source, fixed at start: signing, webhook verification, the HTTP client and the pusher-js
/// settings all read <see cref="IOptions{ChannelsOptions}"/>, never IOptionsMonitor. The credentials are either
/// configuration, which a deployment changes by restarting, or the embedded local server's, generated once per
/// start; a source that could change under a running console would let a webhook be verified with one secret
/// while auth responses are signed with another.
/// </remarks>
public sealed class PusherApp
{
    private readonly SubscriptionSigner? _signer;

    public PusherApp(IOptions<ChannelsOptions> channels, IOptions<PusherOptions> pusher, IServiceProvider services)
    {
        var options = channels.Value;
        Enabled = pusher.Value.Enabled;
        IsConfigured = options.Validate().Count == 0;
        Key = IsConfigured ? options.Key : null;
        HasEncryptionKey = IsConfigured && options.GetMasterKey() is not null;
        // Resolved only when configured: the library builds them from the credentials and refuses empty ones.
        if (IsConfigured)
        {
            _signer = services.GetRequiredService<SubscriptionSigner>();
            Verifier = services.GetRequiredService<WebhookVerifier>();
        }
    }

    /// <summary>Checks webhook signatures with the same credentials the signer uses; null when not configured.</summary>
    public WebhookVerifier? Verifier { get; }

    /// <summary>False when PUSHER_ENABLED=false: nothing is sent to Pusher.</summary>
    public bool Enabled { get; }

    /// <summary>App id, key and secret are set and valid: subscriptions can be signed.</summary>
    public bool IsConfigured { get; }

    /// <summary>The public app key (safe to show), or null when not configured.</summary>
    public string? Key { get; }

    /// <summary>An encryption master key is configured: private-encrypted-* channels can be authorized and sent to.</summary>
    public bool HasEncryptionKey { get; }

    /// <summary>The signer; only valid when <see cref="IsConfigured"/>.</summary>
    public SubscriptionSigner Signer => _signer ?? throw new InvalidOperationException("Pusher credentials are not configured.");
}
