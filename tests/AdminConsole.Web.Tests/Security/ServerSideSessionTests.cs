using System.Net;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Security;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Tests.Security;

/// <summary>
/// The sign-in cookie names a server-side session: ending the session ends every copy of the cookie at once, with
/// no minute's grace (the stamp check's interval stays at its production value here).
/// </summary>
public abstract class ServerSideSessionTests<TFactory>(TFactory factory) : IClassFixture<TFactory> where TFactory : ConsoleFactory
{
    /// <summary>The owner's signed-in client, and a second client sending a copy of the owner's cookie header.</summary>
    private async Task<(HttpClient Owner, HttpClient Copy)> SignedInTwiceOverAsync(string email, string password)
    {
        var jar = new CookieContainerHandler();
        var owner = factory.CreateDefaultClient(jar);
        var response = await owner.PostFormAsync("/Identity/Account/Login", new()
        {
            ["Input.Email"] = email,
            ["Input.Password"] = password,
            ["Input.RememberMe"] = "false",
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var copy = factory.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        copy.DefaultRequestHeaders.Add("Cookie", jar.Container.GetCookieHeader(factory.Server.BaseAddress));
        return (owner, copy);
    }

    [Fact]
    public async Task A_copied_cookie_is_refused_once_its_owner_signs_out()
    {
        var user = await factory.CreateUserAsync("Auditor");
        var (owner, copy) = await SignedInTwiceOverAsync(user.Email!, "Throwaway-pw-123");
        Assert.Equal(HttpStatusCode.OK, (await copy.GetAsync("/EventLog")).StatusCode);

        var signOut = await owner.PostFormAsync("/Identity/Account/Logout?returnUrl=%2F", [], formPageUrl: "/EventLog");
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);

        var after = await copy.GetAsync("/EventLog");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.StartsWith("/Identity/Account/Login", after.Headers.Location!.PathAndQuery);
        // The JSON endpoint says 401 rather than redirecting.
        var auth = await copy.PostAsync("/pusher/auth", new FormUrlEncodedContent(new Dictionary<string, string> { ["socket_id"] = "1.1", ["channel_name"] = "private-x" }));
        Assert.Equal(HttpStatusCode.Unauthorized, auth.StatusCode);
    }

    [Fact]
    public async Task Sign_out_everywhere_ends_every_session_of_the_user_and_is_audited()
    {
        var user = await factory.CreateUserAsync("Auditor");
        var laptop = await factory.SignInAsync(user.Email!, "Throwaway-pw-123");
        var phone = await factory.SignInAsync(user.Email!, "Throwaway-pw-123");
        var others = await factory.SignInAsync(DemoUser.Auditor);
        var page = await (await laptop.GetAsync("/Identity/Account/Manage/Sessions")).Content.ReadAsStringAsync();
        Assert.Contains("(this one)", page);

        var response = await laptop.PostFormAsync("/Identity/Account/Manage/Sessions?handler=SignOutEverywhere", [], formPageUrl: "/Identity/Account/Manage/Sessions");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await laptop.GetAsync("/EventLog")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await phone.GetAsync("/EventLog")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await others.GetAsync("/EventLog")).StatusCode); // someone else's session stands
        var entry = Assert.Single(await factory.AuditAsync(AuditKinds.UserSessionsEnded, $"user:{user.Id}"));
        Assert.Equal(user.Id, entry.ActorId);
        Assert.Contains("\"ended\":2", entry.Data);
        Assert.Equal(0, await factory.QueryAsync(db => db.UserSessions.CountAsync(s => s.UserId == user.Id)));
    }

    [Fact]
    public async Task An_admin_sees_the_sessions_of_a_user_and_ends_one()
    {
        var user = await factory.CreateUserAsync("Teacher");
        var first = await factory.SignInAsync(user.Email!, "Throwaway-pw-123");
        var second = await factory.SignInAsync(user.Email!, "Throwaway-pw-123");
        var admin = await factory.SignInAsync(DemoUser.Admin);
        var sessions = await factory.QueryAsync(db => db.UserSessions.Where(s => s.UserId == user.Id).OrderBy(s => s.CreatedUtc).ToListAsync());
        Assert.Equal(2, sessions.Count);

        var page = await (await admin.GetAsync($"/Users/Details/{user.Id}")).Content.ReadAsStringAsync();
        Assert.Contains("data-testid=\"sessions\"", page);
        Assert.Contains(sessions[0].Handle, page);
        Assert.DoesNotContain(sessions[0].Id, page); // the full id never reaches a page

        // Which client holds which session is not observable from outside; end one and exactly one client is out.
        await admin.PostFormAsync($"/Users/Details/{user.Id}?handler=EndSession", new() { ["session"] = sessions[0].Handle }, formPageUrl: $"/Users/Details/{user.Id}");

        var statuses = new[] { (await first.GetAsync("/Compose")).StatusCode, (await second.GetAsync("/Compose")).StatusCode };
        Assert.Single(statuses, HttpStatusCode.Redirect);
        Assert.Single(statuses, HttpStatusCode.OK);
        Assert.Single(await factory.AuditAsync(AuditKinds.UserSessionsEnded, $"user:{user.Id}"));
    }

    [Fact]
    public async Task Locking_an_account_ends_its_sessions_at_once()
    {
        var user = await factory.CreateUserAsync("Teacher");
        var session = await factory.SignInAsync(user.Email!, "Throwaway-pw-123");
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/Compose")).StatusCode);
        var admin = await factory.SignInAsync(DemoUser.Admin);

        await admin.PostFormAsync($"/Users/Details/{user.Id}?handler=Lock", [], formPageUrl: $"/Users/Details/{user.Id}");

        Assert.Equal(HttpStatusCode.Redirect, (await session.GetAsync("/Compose")).StatusCode);
    }
}

public sealed class ServerSideSessionTests(ConsoleFactory factory) : ServerSideSessionTests<ConsoleFactory>(factory);

public sealed class ServerSideSessionTestsOnPostgres(ConsoleFactory.OnPostgres factory) : ServerSideSessionTests<ConsoleFactory.OnPostgres>(factory);
