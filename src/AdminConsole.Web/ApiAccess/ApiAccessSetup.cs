using AdminConsole.Web.Shared;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.ApiAccess;

/// <summary>
/// How scripts and a separate dashboard get in: API tokens (bearer, trigger endpoint only) and CORS for the
/// configured origins. Other features do not know about this one; it names their endpoints by path.
/// </summary>
public static class ApiAccessSetup
{
    public const string CorsPolicy = "api-access";

    /// <summary>What a page on an allowed origin may call with the user's cookie.</summary>
    public static readonly IReadOnlyList<string> CrossOriginPaths = [SessionEndpoint.Path, "/pusher/auth", "/pusher/user-auth", "/realtime/trigger"];

    public static void AddApiAccess(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddScoped<ApiTokens>();
        services.AddOptions<ApiTokenOptions>().BindConfiguration(ApiTokenOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<CrossOriginOptions>().BindConfiguration(CrossOriginOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        services.AddAuthentication()
            .AddScheme<ApiTokenAuthenticationOptions, ApiTokenAuthenticationHandler>(ApiTokenDefaults.Scheme, null)
            .AddPolicyScheme(ApiTokenDefaults.SessionOrToken, null, o =>
            {
                o.ForwardDefaultSelector = SessionOrTokenSelector.Select;
                // Whoever is not let in learns both ways in, with WWW-Authenticate: Bearer.
                o.ForwardChallenge = ApiTokenDefaults.Scheme;
            });
        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Trigger, p => p
                .AddAuthenticationSchemes(ApiTokenDefaults.SessionOrToken)
                .RequireRole(ApiTokens.OwnerRoles));
        services.AddRateLimiter(o => o.AddPolicy<string, TriggerRateLimitPolicy>(Policies.Trigger));

        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<CrossOriginOptions>>((cors, origins) =>
            cors.AddPolicy(CorsPolicy, p => p
                .WithOrigins([.. origins.Value.AllowedOrigins])
                .AllowCredentials()
                .WithMethods(HttpMethods.Get, HttpMethods.Post)
                // Content-Type: JSON and forms; RequestVerificationToken: the antiforgery token from /api/session.
                .WithHeaders("Content-Type", "RequestVerificationToken", "Authorization")
                .WithExposedHeaders("WWW-Authenticate", "Retry-After")
                .SetPreflightMaxAge(TimeSpan.FromMinutes(10))));
    }

    /// <summary>Before routing, so preflights (OPTIONS, which no endpoint maps) are answered here.</summary>
    public static void UseApiAccess(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<CrossOriginOptions>>().Value.AllowedOrigins.Count == 0)
            return; // nothing is allowed cross-origin; the console answers as if CORS did not exist
        app.UseWhen(http => CrossOriginPaths.Any(p => http.Request.Path.Equals(p, StringComparison.OrdinalIgnoreCase)),
            branch => branch.UseCors(CorsPolicy));
    }

    public static void MapApiAccess(this WebApplication app)
    {
        app.MapGet(SessionEndpoint.Path, SessionEndpoint.GetAsync)
            .AllowAnonymous() // answers 401 problem+json itself
            .WithName("ApiSession");
    }
}
