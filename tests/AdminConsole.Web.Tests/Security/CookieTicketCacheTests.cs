using System.Net;
using System.Security.Claims;
using AdminConsole.Web.Data;
using AdminConsole.Web.Memberships;
using AdminConsole.Web.Security;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AdminConsole.Web.Tests.Security;

/// <summary>
/// The sign-in cookie's ticket is decrypted once and then served from <see cref="CachedTicketFormat"/>, and Identity's
/// security stamp validator is only built when a check is due (<see cref="DeferredSecurityStampValidator"/>). Neither
/// may let through anything the plain cookie handler would refuse: expired, tampered or signed-out cookies, or a
/// session whose security stamp changed. The clock is a fake one, so "a minute later" and "two weeks later" cost nothing.
/// </summary>
public class CookieTicketCacheTests(CookieTicketCacheTests.FakeClockConsole console) : IClassFixture<CookieTicketCacheTests.FakeClockConsole>
{
    public sealed class FakeClockConsole : PusherConsoleFactory
    {
        public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(s =>
            {
                // Only the clocks of the cookie handler and the stamp validator: the console's background services
                // keep real time (a fake clock advanced by weeks would fire all their timers at once).
                s.Configure<SecurityStampValidatorOptions>(o => o.TimeProvider = Time);
                s.PostConfigure<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme, o => o.TimeProvider = Time);
            });
        }
    }

    private static FormUrlEncodedContent Form(string channel) =>
        new(new Dictionary<string, string> { ["socket_id"] = "77.88", ["channel_name"] = channel });

    private async Task<HttpClient> StudentAsync()
    {
        var user = await console.CreateUserAsync("Student");
        return await console.SignInAsync(user.Email!, "Throwaway-pw-123");
    }

    private static string AuthCookie(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? values.FirstOrDefault(v => v.StartsWith("AdminConsole.Auth=", StringComparison.Ordinal)) ?? "" : "";

    [Fact]
    public void The_application_cookie_reads_its_tickets_through_the_cache()
    {
        var options = console.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(IdentityConstants.ApplicationScheme);
        Assert.IsType<CachedTicketFormat>(options.TicketDataFormat);
    }

    [Fact]
    public async Task A_tampered_cookie_is_refused_even_after_the_genuine_one_was_cached()
    {
        var cookie = await MintCookieAsync(await console.CreateUserAsync("Student"));
        Assert.Equal(HttpStatusCode.Forbidden, await PostWithCookieAsync(cookie)); // decrypted once, now cached

        var middle = cookie.Length / 2;
        foreach (var tampered in new[] { cookie[..middle] + (cookie[middle] == 'A' ? 'B' : 'A') + cookie[(middle + 1)..], cookie[..^8], cookie + "AAAA" })
            Assert.Equal(HttpStatusCode.Unauthorized, await PostWithCookieAsync(tampered));

        Assert.Equal(HttpStatusCode.Forbidden, await PostWithCookieAsync(cookie));
    }

    [Fact]
    public async Task A_cached_ticket_past_its_expiry_is_refused()
    {
        var client = await StudentAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("/pusher/auth", Form("private-class-999"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("/pusher/auth", Form("private-class-999"))).StatusCode);

        var options = console.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(IdentityConstants.ApplicationScheme);
        console.Time.Advance(options.ExpireTimeSpan + TimeSpan.FromMinutes(1));

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync("/pusher/auth", Form("private-class-999"))).StatusCode);
    }

    [Fact]
    public async Task A_signed_out_client_is_refused()
    {
        var client = await StudentAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("/pusher/auth", Form("private-class-999"))).StatusCode);

        var response = await client.PostFormAsync("/Identity/Account/Logout?returnUrl=%2F", [], formPageUrl: "/Student");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync("/pusher/auth", Form("private-class-999"))).StatusCode);
    }

    [Fact]
    public async Task A_changed_security_stamp_ends_the_session_once_the_check_is_due()
    {
        var user = await console.CreateUserAsync("Student");
        var client = await console.SignInAsync(user.Email!, "Throwaway-pw-123");
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("/pusher/auth", Form("private-class-999"))).StatusCode);

        await using (var scope = console.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            Assert.True((await users.UpdateSecurityStampAsync((await users.FindByIdAsync(user.Id))!)).Succeeded);
        }
        var interval = console.Services.GetRequiredService<IOptions<SecurityStampValidatorOptions>>().Value.ValidationInterval;
        console.Time.Advance(interval + TimeSpan.FromSeconds(1));

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync("/pusher/auth", Form("private-class-999"))).StatusCode);
    }

    [Fact]
    public async Task An_unchanged_stamp_is_confirmed_from_the_membership_snapshot_when_due_and_the_cookie_is_not_reissued()
    {
        var client = await StudentAsync();
        var first = await client.PostAsync("/pusher/auth", Form("private-class-999"));
        Assert.Equal(HttpStatusCode.Forbidden, first.StatusCode);
        Assert.Equal("", AuthCookie(first)); // not due: nothing re-issued

        var interval = console.Services.GetRequiredService<IOptions<SecurityStampValidatorOptions>>().Value.ValidationInterval;
        console.Time.Advance(interval + TimeSpan.FromSeconds(1));

        // Identity's validator would have re-issued the cookie; the snapshot's equal stamp lets the session stand as it is.
        for (var i = 0; i < 3; i++)
        {
            var due = await client.PostAsync("/pusher/auth", Form("private-class-999"));
            Assert.Equal(HttpStatusCode.Forbidden, due.StatusCode);
            Assert.Equal("", AuthCookie(due));
        }
    }

    [Fact]
    public async Task A_role_change_ends_a_due_session_even_though_the_old_roles_would_still_authorize()
    {
        var user = await console.CreateUserAsync("Student");
        var client = await console.SignInAsync(user.Email!, "Throwaway-pw-123");
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/pusher/auth", Form("presence-student"))).StatusCode);

        await using (var scope = console.Services.CreateAsyncScope())
        {
            // What the Users page does: roles change and the stamp is renewed.
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var stored = (await users.FindByIdAsync(user.Id))!;
            Assert.True((await users.RemoveFromRoleAsync(stored, "Student")).Succeeded);
            Assert.True((await users.UpdateSecurityStampAsync(stored)).Succeeded);
        }
        var interval = console.Services.GetRequiredService<IOptions<SecurityStampValidatorOptions>>().Value.ValidationInterval;
        console.Time.Advance(interval + TimeSpan.FromSeconds(1));

        // The cookie still says Student; the renewed stamp sends the check to Identity, which ends the session.
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync("/pusher/auth", Form("presence-student"))).StatusCode);
    }

    [Fact]
    public async Task The_deferred_validator_builds_Identitys_validator_only_when_a_check_is_due_and_the_stamp_is_not_current()
    {
        var user = await console.CreateUserAsync("Student");
        var identity = console.Services.GetRequiredService<IOptions<IdentityOptions>>();
        var memberships = console.Services.GetRequiredService<AdminConsole.Web.Memberships.MembershipCache>();
        // Whole seconds: AuthenticationProperties keeps IssuedUtc to the second.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
        var options = Options.Create(new SecurityStampValidatorOptions { ValidationInterval = TimeSpan.FromMinutes(1), TimeProvider = time });
        var services = new ServiceCollection()
            .AddScoped<SecurityStampValidator<AppUser>>(_ => throw new IdentityValidatorRequested())
            .BuildServiceProvider();
        var validator = new DeferredSecurityStampValidator(options, identity, memberships);
        CookieValidatePrincipalContext Context(DateTimeOffset? issued, string userId, string? stamp)
        {
            var claims = new List<Claim> { new(identity.Value.ClaimsIdentity.UserIdClaimType, userId) };
            if (stamp is not null)
                claims.Add(new(identity.Value.ClaimsIdentity.SecurityStampClaimType, stamp));
            return new(
                new DefaultHttpContext { RequestServices = services },
                new AuthenticationScheme(IdentityConstants.ApplicationScheme, null, typeof(CookieAuthenticationHandler)),
                new CookieAuthenticationOptions(),
                new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, "test")), new AuthenticationProperties { IssuedUtc = issued }, IdentityConstants.ApplicationScheme));
        }
        var now = time.GetUtcNow();
        var due = now - TimeSpan.FromSeconds(61);

        await validator.ValidateAsync(Context(now, user.Id, "stale"));
        await validator.ValidateAsync(Context(now - TimeSpan.FromMinutes(1), user.Id, "stale"));
        await validator.ValidateAsync(Context(due, user.Id, user.SecurityStamp));
        await validator.ValidateAsync(Context(null, user.Id, user.SecurityStamp));
        await Assert.ThrowsAsync<IdentityValidatorRequested>(() => validator.ValidateAsync(Context(due, user.Id, "stale")));
        await Assert.ThrowsAsync<IdentityValidatorRequested>(() => validator.ValidateAsync(Context(due, user.Id, null)));
        await Assert.ThrowsAsync<IdentityValidatorRequested>(() => validator.ValidateAsync(Context(due, "no-such-user", user.SecurityStamp)));
    }

    private sealed class IdentityValidatorRequested : Exception;

    /// <summary>
    /// The cookie the sign-in page would issue for <paramref name="user"/>: a session stored server-side, and a cookie
    /// naming it (the claim type the cookie handler uses), protected with the console's own keys.
    /// </summary>
    private async Task<string> MintCookieAsync(AppUser user)
    {
        await using var scope = console.Services.CreateAsyncScope();
        var principal = await scope.ServiceProvider.GetRequiredService<IUserClaimsPrincipalFactory<AppUser>>().CreateAsync(user);
        var options = console.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(IdentityConstants.ApplicationScheme);
        var now = console.Time.GetUtcNow();
        var properties = new AuthenticationProperties { IssuedUtc = now, ExpiresUtc = now.AddHours(1) };
        var session = await options.SessionStore!.StoreAsync(new AuthenticationTicket(principal, properties, IdentityConstants.ApplicationScheme));
        var naming = new ClaimsPrincipal(new ClaimsIdentity([new Claim("Microsoft.AspNetCore.Authentication.Cookies-SessionId", session)], IdentityConstants.ApplicationScheme));
        return options.TicketDataFormat.Protect(new AuthenticationTicket(naming, properties, IdentityConstants.ApplicationScheme));
    }

    private async Task<HttpStatusCode> PostWithCookieAsync(string cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/pusher/auth") { Content = Form("private-class-999") };
        request.Headers.Add("Cookie", "AdminConsole.Auth=" + cookie);
        using var client = console.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        return (await client.SendAsync(request)).StatusCode;
    }
}
