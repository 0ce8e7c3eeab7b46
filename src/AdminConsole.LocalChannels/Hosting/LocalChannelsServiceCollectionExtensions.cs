using AdminConsole.LocalChannels.Api;
using AdminConsole.LocalChannels.Protocol;
using AdminConsole.LocalChannels.State;
using AdminConsole.LocalChannels.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AdminConsole.LocalChannels;

public static class LocalChannelsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the local Pusher-protocol server's state and background services. Pair with
    /// <c>app.UseWebSockets()</c> and <see cref="LocalChannelsEndpointRouteBuilderExtensions.MapLocalChannels"/>.
    /// </summary>
    public static IServiceCollection AddLocalChannels(this IServiceCollection services, Action<LocalChannelsOptions>? configure = null)
    {
        var options = new LocalChannelsOptions();
        configure?.Invoke(options);
        return services.AddLocalChannels(options);
    }

    /// <summary>Registers the server with an options instance (read once: the server hosts one fixed app).</summary>
    public static IServiceCollection AddLocalChannels(this IServiceCollection services, LocalChannelsOptions options)
    {
        Validate(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options);
        services.AddSingleton<ChannelRegistry>();
        services.AddMetrics();
        services.AddSingleton<LocalChannelsMetrics>();
        services.AddSingleton<ConnectionRegistry>();
        services.AddSingleton<UserWatchlists>();
        services.AddSingleton<LastEventCache>();
        services.AddSingleton<WebhookDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
        services.AddSingleton<ActivityMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<ActivityMonitor>());
        services.AddSingleton<PusherSocketHandler>();
        services.AddSingleton<EventPublisher>();
        services.AddSingleton<HttpApiHandler>();
        return services;
    }

    private static void Validate(LocalChannelsOptions o)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(o.AppId)) problems.Add("AppId is required.");
        if (string.IsNullOrWhiteSpace(o.Key) || o.Key.Contains(':', StringComparison.Ordinal)) problems.Add("Key is required and must not contain ':'.");
        if (string.IsNullOrWhiteSpace(o.Secret)) problems.Add("Secret is required.");
        if (o.ActivityTimeout < TimeSpan.FromSeconds(1)) problems.Add("ActivityTimeout must be at least 1 second.");
        if (o.PongTimeout <= TimeSpan.Zero) problems.Add("PongTimeout must be positive.");
        foreach (var url in o.Webhooks.Urls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https")) problems.Add($"Webhook URL '{url}' is not an absolute http(s) URL.");
        }
        if (problems.Count > 0) throw new InvalidOperationException("Invalid LocalChannels options: " + string.Join(" ", problems));
    }
}

public static class LocalChannelsEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>/app/{key}</c> (WebSocket) and the HTTP API under <c>/apps/{appId}</c>.
    /// The host must call <c>app.UseWebSockets()</c> before, or WebSocket requests are answered 400.
    /// </summary>
    public static IEndpointConventionBuilder MapLocalChannels(this IEndpointRouteBuilder endpoints)
    {
        var sockets = endpoints.ServiceProvider.GetRequiredService<PusherSocketHandler>();
        var api = endpoints.ServiceProvider.GetRequiredService<HttpApiHandler>();
        var group = endpoints.MapGroup("");
        group.Map("/app/{key}", sockets.HandleAsync);
        group.MapPost("/apps/{appId}/events", api.TriggerAsync);
        group.MapPost("/apps/{appId}/batch_events", api.BatchAsync);
        group.MapGet("/apps/{appId}/channels", api.ChannelsAsync);
        group.MapGet("/apps/{appId}/channels/{channel}", api.ChannelAsync);
        group.MapGet("/apps/{appId}/channels/{channel}/users", api.UsersAsync);
        group.MapPost("/apps/{appId}/users/{userId}/terminate_connections", api.TerminateAsync);
        return group;
    }
}
