using System.Net;
using AdminConsole.Web.Tests.Infrastructure;

namespace AdminConsole.Web.Tests.Shell;

public class ShellTests(ConsoleFactory factory) : IClassFixture<ConsoleFactory>
{
    [Fact]
    public async Task Anonymous_dashboard_redirects_to_sign_in()
    {
        var response = await factory.CreateBrowserLikeClient().GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/Identity/Account/Login", response.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task Unknown_page_renders_the_404_page()
    {
        var client = await factory.SignInAsync(DemoUser.Admin);
        var response = await client.GetAsync("/no-such-page");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("Page not found", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Wrong_role_gets_the_403_page()
    {
        var client = await factory.SignInAsync(DemoUser.Teacher);
        var response = await client.GetAsync("/Users");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("Access denied", await response.Content.ReadAsStringAsync());
    }
}
