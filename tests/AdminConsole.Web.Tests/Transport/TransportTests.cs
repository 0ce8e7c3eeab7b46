using System.Net;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.Tests.Transport;

/// <summary>
/// HTTPS and proxies: the antiforgery and sign-in cookies are Secure under HTTPS, also when TLS ends at a trusted
/// proxy (and only then: anyone else's X-Forwarded-Proto is ignored); outside Development plain HTTP is redirected and
/// HTTPS answers carry HSTS; a proxy setting that is not an address stops the start.
/// </summary>
public class TransportTests(TransportTests.ProxiedConsole console) : IClassFixture<TransportTests.ProxiedConsole>
{
    private const string Proxy = "10.0.0.5";

    /// <summary>The console behind a proxy at 10.0.0.5; a test header stands in for the TCP peer TestServer lacks.</summary>
    public sealed class ProxiedConsole : ConsoleFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("ForwardedHeaders:KnownProxies:0", Proxy)];

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(s => s.AddSingleton<IStartupFilter, PeerFromTestHeader>());
        }
    }

    private sealed class PeerFromTestHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (context.Request.Headers.TryGetValue("X-Test-Peer", out var peer))
                    context.Connection.RemoteIpAddress = IPAddress.Parse(peer!);
                return nextMiddleware(context);
            });
            next(app);
        };
    }

    private static string Cookie(HttpResponseMessage response, string prefix) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? values.FirstOrDefault(v => v.StartsWith(prefix, StringComparison.Ordinal)) ?? "" : "";

    private static HttpRequestMessage LoginPage(string peer, string? forwardedProto)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/Identity/Account/Login");
        request.Headers.Add("X-Test-Peer", peer);
        if (forwardedProto is not null)
        {
            request.Headers.Add("X-Forwarded-Proto", forwardedProto);
            request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        }
        return request;
    }

    [Fact]
    public async Task The_antiforgery_cookie_is_secure_under_https()
    {
        using var client = console.CreateClient(new() { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false });
        using var response = await client.GetAsync("/Identity/Account/Login");
        Assert.Contains("; secure", Cookie(response, ".AspNetCore.Antiforgery."), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Behind_the_trusted_proxy_tls_there_makes_the_cookies_secure()
    {
        using var client = console.CreateBrowserLikeClient();
        using var response = await client.SendAsync(LoginPage(Proxy, "https"));
        Assert.Contains("; secure", Cookie(response, ".AspNetCore.Antiforgery."), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Anyone_else_claiming_https_is_not_believed()
    {
        using var client = console.CreateBrowserLikeClient();
        using var response = await client.SendAsync(LoginPage("198.51.100.7", "https"));
        var cookie = Cookie(response, ".AspNetCore.Antiforgery.");
        Assert.NotEmpty(cookie);
        Assert.DoesNotContain("; secure", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_client_address_behind_the_trusted_proxy_is_the_forwarded_one()
    {
        // The sign-in audit records the address every limiter partitions by. (https: the client sends Secure cookies back only there.)
        using var client = console.CreateClient(new() { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false });
        using var page = await client.SendAsync(LoginPage(Proxy, "https"));
        var token = System.Text.RegularExpressions.Regex.Match(await page.Content.ReadAsStringAsync(), "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        using var login = new HttpRequestMessage(HttpMethod.Post, "/Identity/Account/Login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Input.Email"] = DemoUser.Auditor.Email,
                ["Input.Password"] = DemoUser.Auditor.Password,
                ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
            }),
        };
        login.Headers.Add("X-Test-Peer", Proxy);
        login.Headers.Add("X-Forwarded-Proto", "https");
        login.Headers.Add("X-Forwarded-For", "203.0.113.9");
        using var response = await client.SendAsync(login);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("; secure", Cookie(response, "AdminConsole.Auth="), StringComparison.OrdinalIgnoreCase);
        var signIns = await console.AuditAsync(AuditKinds.SignIn);
        Assert.Contains(signIns, e => e.Data!.Contains("203.0.113.9"));
        Assert.DoesNotContain(signIns, e => e.Data!.Contains(Proxy));
    }

    public sealed class ProductionConsole : ConsoleFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [
            new("Pusher:Enabled", "false"),
            new("https_port", "443"),
        ];

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseEnvironment("Production");
        }
    }

    [Fact]
    public async Task Outside_development_http_is_redirected_and_https_answers_carry_hsts()
    {
        using var factory = new ProductionConsole();
        using var http = factory.CreateClient(new() { AllowAutoRedirect = false, BaseAddress = new Uri("http://console.school.test") });
        using var redirected = await http.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.TemporaryRedirect, redirected.StatusCode);
        Assert.Equal("https://console.school.test/health/live", redirected.Headers.Location?.OriginalString);

        using var https = factory.CreateClient(new() { AllowAutoRedirect = false, BaseAddress = new Uri("https://console.school.test") });
        using var secure = await https.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, secure.StatusCode);
        Assert.Equal("max-age=31536000", string.Join("", secure.Headers.GetValues("Strict-Transport-Security")));
    }

    [Fact]
    public void A_proxy_that_is_not_an_address_stops_the_start()
    {
        using var factory = new ConsoleFactory().WithWebHostBuilder(b => b.UseSetting("ForwardedHeaders:KnownNetworks:0", "10.0.0.0/99"));
        var error = Assert.Throws<OptionsValidationException>(() => factory.CreateClient());
        Assert.Contains("ForwardedHeaders:KnownNetworks: '10.0.0.0/99'", error.Message);
    }
}
