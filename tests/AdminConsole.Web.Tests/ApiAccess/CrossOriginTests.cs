using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AdminConsole.Web.ApiAccess;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.Tests.ApiAccess;

/// <summary>A console that lets one dashboard origin in, and allows each token only two sends a minute.</summary>
public sealed class DashboardConsole : TokenConsole
{
    public const string Dashboard = "http://localhost:5173";

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Cors:AllowedOrigins:0", Dashboard),
        new("ApiTokens:PermitLimit", "2"),
    ];
}

public class CrossOriginTests(DashboardConsole console) : IClassFixture<DashboardConsole>
{
    private const string Elsewhere = "http://localhost:6666";

    private static HttpRequestMessage Preflight(string path, string origin, string headers = "content-type,requestverificationtoken")
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", headers);
        return request;
    }

    [Theory]
    [InlineData("/realtime/trigger")]
    [InlineData("/pusher/auth")]
    [InlineData("/pusher/user-auth")]
    [InlineData("/api/session")]
    public async Task The_configured_origin_passes_the_preflight_with_credentials_and_no_other_does(string path)
    {
        var client = console.CreateBrowserLikeClient();

        var allowed = await client.SendAsync(Preflight(path, DashboardConsole.Dashboard));
        Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
        Assert.Equal(DashboardConsole.Dashboard, allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("true", allowed.Headers.GetValues("Access-Control-Allow-Credentials").Single());
        Assert.Contains("requestverificationtoken", allowed.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.OrdinalIgnoreCase);

        var refused = await client.SendAsync(Preflight(path, Elsewhere));
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task Console_pages_stay_same_origin_even_for_the_configured_origin()
    {
        var admin = await console.SignInAsync(DemoUser.Admin);
        var request = new HttpRequestMessage(HttpMethod.Get, "/Users");
        request.Headers.Add("Origin", DashboardConsole.Dashboard);
        var response = await admin.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False((await admin.SendAsync(Preflight("/Compose", DashboardConsole.Dashboard))).Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task A_dashboard_reads_the_session_and_sends_with_its_antiforgery_token_and_without_it_nothing_is_sent()
    {
        var anonymous = console.CreateBrowserLikeClient();
        var signedOut = await anonymous.SendAsync(WithOrigin(new HttpRequestMessage(HttpMethod.Get, "/api/session")));
        Assert.Equal(HttpStatusCode.Unauthorized, signedOut.StatusCode);
        Assert.Equal("application/problem+json", signedOut.Content.Headers.ContentType!.MediaType);
        Assert.Equal(DashboardConsole.Dashboard, signedOut.Headers.GetValues("Access-Control-Allow-Origin").Single());

        var teacher = await console.SignInAsync(DemoUser.Teacher);
        var sessionResponse = await teacher.SendAsync(WithOrigin(new HttpRequestMessage(HttpMethod.Get, "/api/session")));
        Assert.Equal(HttpStatusCode.OK, sessionResponse.StatusCode);
        Assert.Equal("true", sessionResponse.Headers.GetValues("Access-Control-Allow-Credentials").Single());
        var session = JsonNode.Parse(await sessionResponse.Content.ReadAsStringAsync())!;
        Assert.Equal(DemoUser.Teacher.Email, session["email"]!.GetValue<string>());
        Assert.Equal(["Teacher"], session["roles"]!.AsArray().Select(r => r!.GetValue<string>()));
        var physics = Assert.Single(session["classes"]!.AsArray())!;
        Assert.Equal(("Physics 7A", "Teacher", "private-class-1"), (physics["name"]!.GetValue<string>(), physics["role"]!.GetValue<string>(), physics["channels"]!["private"]!.GetValue<string>()));
        var header = session["antiforgery"]!["headerName"]!.GetValue<string>();
        var token = session["antiforgery"]!["token"]!.GetValue<string>();

        var body = """{"channel":"private-class-1","event":"from-dashboard","data":{"text":"hi"}}""";
        var withoutToken = await teacher.SendAsync(WithOrigin(Json("/realtime/trigger", body)));
        Assert.Equal(HttpStatusCode.BadRequest, withoutToken.StatusCode);
        Assert.Contains("antiforgery", await withoutToken.Content.ReadAsStringAsync());

        var withToken = WithOrigin(Json("/realtime/trigger", body));
        withToken.Headers.Add(header, token);
        var sent = await teacher.SendAsync(withToken);
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.Equal(DashboardConsole.Dashboard, sent.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task A_token_past_its_rate_limit_gets_429_problem_details_and_its_owner_is_not_slowed_down()
    {
        var teacher = await console.SignInAsync(DemoUser.Teacher);
        var (token, _) = await console.CreateOnPageAsync(teacher, "busy script");

        for (var i = 0; i < 2; i++)
            Assert.Equal(HttpStatusCode.OK, (await console.TriggerWithTokenAsync(token, "private-class-1")).StatusCode);
        var limited = await console.TriggerWithTokenAsync(token, "private-class-1");

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType!.MediaType);
        Assert.Contains("API token", await limited.Content.ReadAsStringAsync());
        // The owner's own session has its own budget; a second token has its own too.
        var (second, _) = await console.CreateOnPageAsync(teacher, "second script");
        Assert.Equal(HttpStatusCode.OK, (await console.TriggerWithTokenAsync(second, "private-class-1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Compose.Trigger.PostAsync(teacher, """{"channel":"private-class-1","event":"e","data":"x"}""")).StatusCode);
    }

    [Theory]
    [InlineData("http://localhost:5173/")]
    [InlineData("http://localhost:5173/app")]
    [InlineData("localhost:5173")]
    [InlineData("ftp://localhost")]
    [InlineData("*")]
    [InlineData("https://example.com:443")]
    [InlineData("http://user@localhost:5173")]
    [InlineData("")]
    public void An_origin_not_written_as_browsers_send_it_is_refused_naming_the_setting(string origin)
    {
        var options = new CrossOriginOptions { AllowedOrigins = ["http://localhost:5173", origin] };
        var results = new List<ValidationResult>();
        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true));
        Assert.StartsWith("Cors:AllowedOrigins:1", Assert.Single(results).ErrorMessage);
    }

    [Fact]
    public void A_malformed_origin_stops_the_console_at_start()
    {
        using var factory = new BadOriginConsole("http://localhost:5173/");
        var error = Assert.ThrowsAny<OptionsValidationException>(() => factory.CreateClient());
        Assert.Contains("Cors:AllowedOrigins:0", error.Message);
    }

    private sealed class BadOriginConsole(string origin) : ConsoleFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Cors:AllowedOrigins:0", origin)];
    }

    private static HttpRequestMessage WithOrigin(HttpRequestMessage request)
    {
        request.Headers.Add("Origin", DashboardConsole.Dashboard);
        return request;
    }

    private static HttpRequestMessage Json(string path, string body) =>
        new(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
}
