using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.HttpsPolicy;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.Transport;

/// <summary>
/// What a security review asks of every response and connection: trusted forwarded headers, HTTPS and HSTS
/// outside Development, and the security headers (CSP without inline script, nosniff, referrer policy, no framing).
/// </summary>
public static class TransportSetup
{
    public static void AddTransport(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ForwardedHeadersSettings>().BindConfiguration(ForwardedHeadersSettings.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<HttpsSettings>().BindConfiguration(HttpsSettings.Section)
            .ValidateDataAnnotations().ValidateOnStart();

        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ForwardedHeadersSettings>>((o, settings) =>
        {
            var s = settings.Value;
            // Not X-Forwarded-Host: the host decides nothing here, and believing it would only widen what a proxy can spoof.
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.ForwardLimit = s.ForwardLimit;
            if (s.KnownProxies.Count > 0 || s.KnownNetworks.Count > 0)
            {
                o.KnownProxies.Clear();
                o.KnownIPNetworks.Clear();
                foreach (var proxy in s.KnownProxies)
                    o.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
                foreach (var network in s.KnownNetworks)
                    o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        services.AddOptions<HstsOptions>().Configure<IOptions<HttpsSettings>>((o, settings) => o.MaxAge = settings.Value.HstsMaxAge);
    }

    /// <summary>First in the pipeline: later middleware (limits, cookies, audit) must see the real client and scheme.</summary>
    public static void UseTransport(this WebApplication app)
    {
        app.UseForwardedHeaders();
        if (!app.Environment.IsDevelopment() && app.Services.GetRequiredService<IOptions<HttpsSettings>>().Value.Enforce)
        {
            app.UseHsts();
            app.UseHttpsRedirection();
        }

        // Built on first use: the local Channels server knows its port only once the host has started.
        var policy = new Lazy<string>(() => ContentSecurityPolicy(app.Services.GetServices<IConnectSources>()));
        app.Use((context, next) =>
        {
            // On starting, so that every response carries them: error pages, static files, 401s and redirects
            // included, and after anything (antiforgery's SAMEORIGIN) that set a weaker value.
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = policy.Value;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "same-origin";
                return Task.CompletedTask;
            });
            return next(context);
        });
    }

    /// <summary>
    /// Scripts and styles from the console's own files only (no inline script, no eval); connections to the
    /// console itself (SignalR) and to the Channels service the pages use; no framing, plugins or foreign forms.
    /// </summary>
    internal static string ContentSecurityPolicy(IEnumerable<IConnectSources> sources)
    {
        var connect = string.Join(' ', sources.SelectMany(s => s.Origins).Prepend("'self'").Distinct());
        return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
            $"connect-src {connect}; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
    }
}
