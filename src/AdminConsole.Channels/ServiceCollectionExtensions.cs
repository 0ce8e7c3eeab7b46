using AdminConsole.Channels;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registration of the Channels client, signers and options.</summary>
public static class ChannelsServiceCollectionExtensions
{
    /// <summary>Registers <see cref="ChannelsOptions"/> (validated on start), the typed <see cref="ChannelsClient"/> with the configured timeout, <see cref="SubscriptionSigner"/>, <see cref="WebhookVerifier"/> and <see cref="TimeProvider"/>.</summary>
    /// <returns>The client's builder, for adding handlers.</returns>
    public static IHttpClientBuilder AddChannelsClient(this IServiceCollection services, Action<ChannelsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<ChannelsOptions>();
        if (configure is not null) options.Configure(configure);
        options.ValidateOnStart();
        services.AddSingleton<IValidateOptions<ChannelsOptions>, ChannelsOptionsValidator>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new SubscriptionSigner(sp.GetRequiredService<IOptions<ChannelsOptions>>().Value));
        services.AddSingleton(sp => new WebhookVerifier(sp.GetRequiredService<IOptions<ChannelsOptions>>().Value));
        return services.AddHttpClient<ChannelsClient>((sp, http) =>
        {
            // The client enforces the same timeout itself (on the TimeProvider); this is the backstop for the raw HttpClient.
            http.Timeout = sp.GetRequiredService<IOptions<ChannelsOptions>>().Value.Timeout + TimeSpan.FromSeconds(1);
        });
    }
}
