using System.Net;
using AdminConsole.Web.Tests.Infrastructure;
using Npgsql;

namespace AdminConsole.Web.Tests.ScaleOut;

/// <summary>
/// Two real console processes (A and B, real Kestrel on their own ports) on one PostgreSQL database and, unless
/// <see cref="WithRedis"/> is off, one Redis under a channel prefix of their own: two instances of one deployment, as
/// behind a load balancer. Development, so the demo accounts and classes exist; a Pusher app configured (webhooks are
/// verified with its key and secret, and local mode is single-instance), whose API host is a closed port: these tests
/// never call it. Started once per test class, B after A (A migrates and seeds).
/// </summary>
public class ScaleOutConsoles : IAsyncLifetime
{
    public const string Key = "scaleout-key";
    public const string Secret = "scaleout-secret";

    /// <summary>False: the change signal goes through PostgreSQL LISTEN/NOTIFY and there is no SignalR backplane.</summary>
    protected virtual bool WithRedis => true;

    private TestDatabase? _database;
    public ConsoleProcess A { get; private set; } = null!;
    public ConsoleProcess B { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _database = TestPostgres.CreateDatabase(GetType().Name);
        var settings = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Pusher__Enabled"] = "true",
            ["Pusher__Scheme"] = "http",
            ["Pusher__Host"] = "127.0.0.1",
            ["Pusher__Port"] = ConsoleProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Logging__LogLevel__Default"] = "Warning",
            ["Security__LoginRateLimit__PermitLimit"] = "1000000",
        };
        if (WithRedis)
        {
            settings["Redis__Configuration"] = TestRedis.Configuration;
            settings["Redis__ChannelPrefix"] = TestRedis.ChannelPrefix(GetType().Name);
        }
        var dll = Path.Combine(AppContext.BaseDirectory, "AdminConsole.Web.dll");
        A = await ConsoleProcess.StartOnPostgresAsync(dll, Key, Secret, _database.ConnectionString, settings: settings);
        B = await ConsoleProcess.StartOnPostgresAsync(dll, Key, Secret, _database.ConnectionString, settings: settings);
        // A refusal's code path runs once on each before the timed tests: an instance in service has refused requests
        // before, and the first one (JIT, on two shared cores) took 0.4-1.5 s here, which is not what the tests time.
        foreach (var instance in new[] { A, B })
        {
            using var http = new HttpClient { BaseAddress = new Uri(instance.Url) };
            using var refused = await http.PostAsync("/pusher/auth", new FormUrlEncodedContent(new Dictionary<string, string> { ["socket_id"] = "1.1", ["channel_name"] = "private-x" }));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }
    }

    public async Task DisposeAsync()
    {
        if (A is not null) await A.DisposeAsync();
        if (B is not null) await B.DisposeAsync();
        _database?.Dispose();
    }

    /// <summary>Signs in on <paramref name="instance"/> and returns the cookie header the browser would then send.</summary>
    public static async Task<string> SignInAsync(ConsoleProcess instance, DemoUser user)
    {
        var cookies = new CookieContainer();
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = new Uri(instance.Url) };
        var response = await http.PostFormAsync("/Identity/Account/Login", new()
        {
            ["Input.Email"] = user.Email,
            ["Input.Password"] = user.Password,
            ["Input.RememberMe"] = "false",
        });
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"sign-in as {user} on {instance.Url}: {(int)response.StatusCode}");
        return cookies.GetCookieHeader(new Uri(instance.Url));
    }

    /// <summary>A client of <paramref name="instance"/> that sends <paramref name="cookie"/> (and keeps the antiforgery cookie it is given).</summary>
    public static HttpClient Client(ConsoleProcess instance, string cookie)
    {
        var cookies = new CookieContainer();
        foreach (var pair in cookie.Split("; ", StringSplitOptions.RemoveEmptyEntries))
        {
            var at = pair.IndexOf('=');
            cookies.Add(new Uri(instance.Url), new Cookie(pair[..at], pair[(at + 1)..]));
        }
        return new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false })
        {
            BaseAddress = new Uri(instance.Url),
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    /// <summary>One value from the shared database (e.g. a demo user's id).</summary>
    public async Task<T> QueryAsync<T>(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(_database!.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters)
            command.Parameters.Add(new NpgsqlParameter { Value = p });
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The same two instances with no Redis: PostgreSQL LISTEN/NOTIFY carries the change signal.</summary>
    public sealed class WithoutRedis : ScaleOutConsoles
    {
        protected override bool WithRedis => false;
    }
}
