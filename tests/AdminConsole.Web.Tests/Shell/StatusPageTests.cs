using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AdminConsole.Web.Tests.Infrastructure;

namespace AdminConsole.Web.Tests.Shell;

/// <summary>
/// The status-code page re-executes the request with its body. It used to bind "code" from that body, so a form
/// field chose the status: code=200 turned a 401 (or a 429) into 200, code=0 or a NUL gave "HTTP/1.1 0", and a key
/// with '[' made the page itself fail. The status is now always the real one.
/// </summary>
public class StatusPageTests(StatusPageTests.LimitedConsole console) : IClassFixture<StatusPageTests.LimitedConsole>
{
    public sealed class LimitedConsole : ConsoleFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("ChannelAuth:RateLimit:PermitLimit", "1")];
    }

    public static TheoryData<string> HostileForms() =>
    [
        "code=200",
        "code=0",
        "code=-1",
        "code=abc",
        "code=99999999999",
        "code=%00",
        "x=%00&code=200",
        "a[=1",
        "code[]=200&a]]=2&b[0][=3",
        "handler=x&code=302",
    ];

    private static StringContent Form(string body) => new(body, Encoding.UTF8, "application/x-www-form-urlencoded");

    [Theory]
    [MemberData(nameof(HostileForms))]
    public async Task A_signed_out_caller_of_the_auth_endpoint_gets_401_whatever_the_form_says(string form)
    {
        using var response = await console.CreateBrowserLikeClient().PostAsync("/pusher/auth", Form(form));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(401, JsonNode.Parse(await response.Content.ReadAsStringAsync())!["status"]!.GetValue<int>());
    }

    [Theory]
    [MemberData(nameof(HostileForms))]
    public async Task A_wrong_role_gets_the_403_page_whatever_the_form_says(string form)
    {
        var client = await console.SignInAsync(DemoUser.Student);
        var token = await client.GetAntiforgeryTokenAsync("/Identity/Account/Manage");

        using var response = await client.PostAsync("/Users/Create", Form(form + "&__RequestVerificationToken=" + Uri.EscapeDataString(token)));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("Access denied", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_rate_limited_student_gets_429_not_the_status_in_the_form()
    {
        var client = await console.SignInAsync(DemoUser.OtherStudent);
        await client.PostAsync("/pusher/auth", Form("socket_id=1.1&channel_name=presence-student"));

        using var limited = await client.PostAsync("/pusher/auth", Form("socket_id=1.1&channel_name=presence-student&code=200"));

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(429, JsonNode.Parse(await limited.Content.ReadAsStringAsync())!["status"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("/Errors/Status/200")]
    [InlineData("/Errors/Status/0")]
    [InlineData("/Errors/Status/404")]
    public async Task The_status_page_itself_is_not_a_page(string path)
    {
        using var response = await console.CreateBrowserLikeClient().GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
