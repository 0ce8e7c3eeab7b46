using System.Net;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace AdminConsole.Web.Tests.Users;

/// <summary>
/// An administrator's change reaches sessions that are already open: locking an account or changing its roles
/// renews its security stamp, which every cookie is checked against (each minute in the console; on every
/// request here).
/// </summary>
public class OpenSessionTests(OpenSessionTests.EveryRequestStampCheck factory) : IClassFixture<OpenSessionTests.EveryRequestStampCheck>
{
    public sealed class EveryRequestStampCheck : ConsoleFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(s => s.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.Zero));
        }
    }

    [Fact]
    public async Task Locking_an_account_ends_its_open_session()
    {
        var user = await factory.CreateUserAsync("Teacher");
        var session = await factory.SignInAsync(user.Email!, "Throwaway-pw-123");
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/Compose")).StatusCode);
        var admin = await factory.SignInAsync(DemoUser.Admin);

        await admin.PostFormAsync($"/Users/Details/{user.Id}?handler=Lock", [], formPageUrl: $"/Users/Details/{user.Id}");

        var after = await session.GetAsync("/Compose");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.StartsWith("/Identity/Account/Login", after.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task Removing_a_role_ends_the_access_it_gave()
    {
        var user = await factory.CreateUserAsync("Auditor");
        var session = await factory.SignInAsync(user.Email!, "Throwaway-pw-123");
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/EventLog")).StatusCode);
        var admin = await factory.SignInAsync(DemoUser.Admin);

        await admin.PostFormAsync($"/Users/Details/{user.Id}?handler=Roles", new() { ["SelectedRoles"] = "Teacher" }, formPageUrl: $"/Users/Details/{user.Id}");

        var after = await session.GetAsync("/EventLog");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode); // the old session, with its old roles, is over
        Assert.StartsWith("/Identity/Account/Login", after.Headers.Location!.PathAndQuery);
        var again = await factory.SignInAsync(user.Email!, "Throwaway-pw-123");
        Assert.Equal(HttpStatusCode.Forbidden, (await again.GetAsync("/EventLog")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/Compose")).StatusCode);
    }
}
