using AdminConsole.Channels;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registration of the Channels client, signers and options.</summary>
public static class ChannelsServiceCollectionExtensions
{
    /// <summary>Registers <see cref="ChannelsOptions"/> (validated on start), the typed <see cref="ChannelsClient"/> with the configured timeout, <see cref="SubscriptionSigner"/>, <see cref="WebhookVerifier"/> and <see cref="TimeProvider"/>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options (or bind them elsewhere with <c>Configure&lt;ChannelsOptions&gt;</c>).</param>
    /// <param name="validateOnStart">Refuse to start the host with invalid options; pass false when Channels may be disabled and left unconfigured.</param>
    /// <param name="allowUnconfigured">
    /// Accept options with no credentials at all (the app checks <see cref="ChannelsOptions.IsUnconfigured"/> and
    /// then resolves neither the signer nor the verifier, which need credentials); partial credentials still fail.
    /// </param>
    /// <returns>The client's builder, for adding handlers.</returns>
    public static IHttpClientBuilder AddChannelsClient(this IServiceCollection services, Action<ChannelsOptions>? configure = null, bool validateOnStart = true, bool allowUnconfigured = false)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<ChannelsOptions>();
        if (configure is not null) options.Configure(configure);
        if (validateOnStart) options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChannelsOptions>>(new ChannelsOptionsValidator { AllowUnconfigured = allowUnconfigured }));
        // TryAdd: a TimeProvider or signer registered by the app (or a test) wins.
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new SubscriptionSigner(sp.GetRequiredService<IOptions<ChannelsOptions>>().Value));
        services.TryAddSingleton(sp => new WebhookVerifier(sp.GetRequiredService<IOptions<ChannelsOptions>>().Value));
        return services.AddHttpClient<ChannelsClient>((sp, http) =>
        {
            // The client enforces the same timeout itself (on the TimeProvider); this is the backstop for the raw HttpClient.
            var timeout = sp.GetRequiredService<IOptions<ChannelsOptions>>().Value.Timeout;
            // An invalid (non-positive) timeout is reported by the options validator, not by HttpClient's setter.
            if (timeout > TimeSpan.Zero) http.Timeout = timeout + TimeSpan.FromSeconds(1);
        });
    }
}
