using System.Net;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace AdminConsole.Web.Tests.Security;

/// <summary>
/// Sign-in reveals nothing by its cost and cannot be used to lock accounts wholesale: an unknown account costs the
/// same password verification as a wrong password (counted, not timed), and one address gets a limited number of
/// attempts a minute (three here) while per-account lockout stays.
/// </summary>
public class LoginHardeningTests(LoginHardeningTests.CountingConsole console) : IClassFixture<LoginHardeningTests.CountingConsole>
{
    public sealed class CountingConsole : ConsoleFactory
    {
        public int Verifications;

        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Security:LoginRateLimit:PermitLimit", "3")];

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(s =>
            {
                s.AddScoped<IPasswordHasher<AppUser>>(_ => new CountingHasher(this));
                s.AddSingleton<IStartupFilter, AddressFromHeader>();
            });
        }
    }

    private sealed class CountingHasher(CountingConsole console) : IPasswordHasher<AppUser>
    {
        private readonly PasswordHasher<AppUser> _inner = new();

        public string HashPassword(AppUser user, string password) => _inner.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(AppUser user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref console.Verifications);
            return _inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }

    private static Dictionary<string, string> Login(string email, string password) => new()
    {
        ["Input.Email"] = email,
        ["Input.Password"] = password,
        ["Input.RememberMe"] = "false",
    };

    /// <summary>Each test from an address of its own, so the per-address budget is the test's alone.</summary>
    private HttpClient From(string address)
    {
        var client = console.CreateBrowserLikeClient();
        client.DefaultRequestHeaders.Add(AddressFromHeader.Name, address);
        return client;
    }

    [Fact]
    public async Task An_unknown_account_costs_the_same_password_verification_as_a_wrong_password()
    {
        var user = await console.CreateUserAsync("Teacher");
        var client = From("198.51.100.1");

        var before = Volatile.Read(ref console.Verifications);
        var unknown = await client.PostFormAsync("/Identity/Account/Login", Login("nobody-at-all@school.test", "Wrong-guess-4711"));
        var forUnknown = Volatile.Read(ref console.Verifications) - before;

        before = Volatile.Read(ref console.Verifications);
        var wrong = await client.PostFormAsync("/Identity/Account/Login", Login(user.Email!, "Wrong-guess-4711"));
        var forWrong = Volatile.Read(ref console.Verifications) - before;

        Assert.Equal(HttpStatusCode.OK, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        Assert.Equal(1, forWrong);
        Assert.Equal(forWrong, forUnknown);
        // And the two answers read the same.
        Assert.Contains("Invalid login attempt", await unknown.Content.ReadAsStringAsync());
        Assert.Contains("Invalid login attempt", await wrong.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task One_address_gets_a_limited_number_of_attempts_and_others_are_unaffected()
    {
        var user = await console.CreateUserAsync("Teacher");
        var attacker = From("198.51.100.2");

        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.OK, (await attacker.PostFormAsync("/Identity/Account/Login", Login(user.Email!, $"Wrong-guess-{i}0000"))).StatusCode);
        var refused = await attacker.PostFormAsync("/Identity/Account/Login", Login(user.Email!, "Throwaway-pw-123"));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await attacker.GetAsync("/Identity/Account/Login")).StatusCode); // the form still shows
        // The throttled attempts never reached the account: three failures, not locked, and the owner signs in elsewhere.
        Assert.Equal(3, (await console.AuditAsync(AuditKinds.SignInFailed, $"user:{user.Id}")).Count);
        var owner = From("198.51.100.3");
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/Identity/Account/Login", Login(user.Email!, "Throwaway-pw-123"))).StatusCode);
    }
}

/// <summary>TestServer requests have no client address; this gives each one the address its test names in a header.</summary>
public sealed class AddressFromHeader : Microsoft.AspNetCore.Hosting.IStartupFilter
{
    public const string Name = "X-Test-Remote-Address";

    public Action<Microsoft.AspNetCore.Builder.IApplicationBuilder> Configure(Action<Microsoft.AspNetCore.Builder.IApplicationBuilder> next) => app =>
    {
        app.Use(nextMiddleware => context =>
        {
            if (IPAddress.TryParse(context.Request.Headers[Name].ToString(), out var address))
                context.Connection.RemoteIpAddress = address;
            return nextMiddleware(context);
        });
        next(app);
    };
}
