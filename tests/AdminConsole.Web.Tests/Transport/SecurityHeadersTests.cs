using System.Net;
using System.Text;
using AdminConsole.Web.Tests.Infrastructure;
using AdminConsole.Web.Tests.Security;
using AngleSharp.Html.Parser;

namespace AdminConsole.Web.Tests.Transport;

/// <summary>
/// Every response carries the headers a security review asks for, not only those that set an antiforgery cookie:
/// every line of the role matrix, for every role, plus error pages, static files and bodiless statuses.
/// Every HTML page runs only scripts and styles from files (the CSP allows nothing inline).
/// </summary>
public class SecurityHeadersTests(RoleMatrixTests.Console console) : IClassFixture<RoleMatrixTests.Console>
{
    [Fact]
    public async Task Every_route_for_every_role_carries_the_security_headers_and_no_inline_script()
    {
        var checkedResponses = 0;
        foreach (var route in RoleMatrixTests.Table)
        {
            foreach (var who in Enum.GetValues<Who>())
            {
                var client = await console.ClientAsync(who);
                using var request = new HttpRequestMessage(new HttpMethod(route.Method), await console.ResolveAsync(route.Path, who));
                if (route.Method != "GET")
                {
                    var body = await console.ResolveAsync(route.Body ?? "", who);
                    request.Content = new StringContent(body, Encoding.UTF8, body.StartsWith('{') ? "application/json" : "application/x-www-form-urlencoded");
                }
                using var response = await client.SendAsync(request);
                await AssertSecureAsync(response, $"{who} {route}");
                checkedResponses++;
            }
        }
        Assert.Equal(RoleMatrixTests.Table.Length * Enum.GetValues<Who>().Length, checkedResponses);
    }

    [Theory]
    [InlineData("/no-such-page")]
    [InlineData("/Errors/Status/404")]
    [InlineData("/lib/bootstrap/dist/css/bootstrap.min.css")]
    [InlineData("/js/live.js")]
    [InlineData("/health/ready")]
    [InlineData("/Identity/Account/Login")]
    [InlineData("/Identity/Account/Lockout")]
    public async Task Anonymous_responses_carry_them_too(string path)
    {
        using var response = await console.CreateBrowserLikeClient().GetAsync(path);
        await AssertSecureAsync(response, path);
    }

    [Fact]
    public async Task A_refused_api_call_carries_them()
    {
        using var response = await console.CreateBrowserLikeClient().PostAsync("/pusher/auth", new StringContent("socket_id=1.1", Encoding.UTF8, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await AssertSecureAsync(response, "anonymous /pusher/auth");
    }

    [Fact]
    public async Task The_policy_lets_pages_reach_the_console_and_the_local_channels_server_only()
    {
        using var response = await console.CreateBrowserLikeClient().GetAsync("/Identity/Account/Login");
        var csp = Csp(response);
        Assert.Contains("script-src 'self';", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        // A Pusher-protocol server at an explicit host (here the test's loopback API): its WebSocket origin.
        Assert.Contains($"connect-src 'self' ws://127.0.0.1:{console.Api.Port} wss://127.0.0.1:{console.Api.Port};", csp);
    }

    [Fact]
    public async Task The_csv_export_is_not_stored()
    {
        var admin = await console.ClientAsync(Who.Admin);
        using var response = await admin.GetAsync("/EventLog/export.csv");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore, "Cache-Control: " + response.Headers.CacheControl);
    }

    private static string Csp(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Content-Security-Policy", out var values) ? string.Join(", ", values) : "";

    private static async Task AssertSecureAsync(HttpResponseMessage response, string what)
    {
        string Header(string name) => response.Headers.TryGetValues(name, out var v) ? string.Join(", ", v) : "";
        Assert.True(Csp(response).Contains("frame-ancestors 'none'") && Csp(response).Contains("script-src 'self';"), $"{what}: CSP '{Csp(response)}'");
        Assert.True(Header("X-Content-Type-Options") == "nosniff", $"{what}: X-Content-Type-Options '{Header("X-Content-Type-Options")}'");
        Assert.True(Header("X-Frame-Options") == "DENY", $"{what}: X-Frame-Options '{Header("X-Frame-Options")}'");
        Assert.True(Header("Referrer-Policy") == "same-origin", $"{what}: Referrer-Policy '{Header("Referrer-Policy")}'");

        if (response.Content.Headers.ContentType?.MediaType != "text/html")
            return;
        var document = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());
        foreach (var script in document.Scripts)
            Assert.True(script.Source is { Length: > 0 } || script.Type == "application/json", $"{what}: inline script {script.OuterHtml[..Math.Min(120, script.OuterHtml.Length)]}");
        Assert.True(document.QuerySelectorAll("style").Length == 0, $"{what}: a <style> element");
        foreach (var element in document.All)
        {
            Assert.False(element.HasAttribute("style"), $"{what}: inline style on <{element.LocalName}>");
            Assert.DoesNotContain(element.Attributes, a => a.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase));
            Assert.False(element.GetAttribute("href")?.StartsWith("javascript:", StringComparison.OrdinalIgnoreCase) == true, $"{what}: javascript: link");
        }
    }
}

/// <summary>The connect-src of the other two modes: Pusher's cluster, and the embedded local server.</summary>
public class ContentSecurityPolicyModesTests
{
    private sealed class ClusterConsole : ConsoleFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [
            new("Pusher:Enabled", "true"),
            new("Pusher:AppId", "77"),
            new("Pusher:Key", "cluster-key"),
            new("Pusher:Secret", "cluster-secret"),
            new("Pusher:Cluster", "eu"),
        ];
    }

    [Fact]
    public async Task With_a_pusher_app_pages_may_reach_its_cluster()
    {
        using var factory = new ClusterConsole();
        using var response = await factory.CreateClient().GetAsync("/Identity/Account/Login");
        Assert.Contains("connect-src 'self' wss://ws-eu.pusher.com https://sockjs-eu.pusher.com;", string.Join("", response.Headers.GetValues("Content-Security-Policy")));
    }

    [Fact]
    public async Task In_local_mode_pages_may_reach_the_embedded_server()
    {
        using var factory = new ConsoleFactory();
        using var response = await factory.CreateClient().GetAsync("/Identity/Account/Login");
        Assert.Matches(@"connect-src 'self' ws://127\.0\.0\.1:\d+ wss://127\.0\.0\.1:\d+;", string.Join("", response.Headers.GetValues("Content-Security-Policy")));
    }
}
