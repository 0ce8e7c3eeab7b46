using System.Net;
using System.Text.RegularExpressions;
using AdminConsole.Web.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;

namespace AdminConsole.Web.Tests.Infrastructure;

/// <summary>
/// The console on TestServer over a real database of its own (never EF InMemory): a SQLite file, or with
/// <see cref="Provider"/> Postgres a fresh database on the run's PostgreSQL server (<see cref="TestPostgres"/>). In
/// Development so the demo accounts and classes from the top-level appsettings.Development.json exist.
/// </summary>
public class ConsoleFactory : WebApplicationFactory<Program>
{
    public string DatabasePath { get; } = Path.Combine(Path.GetTempPath(), $"adminconsole-test-{Guid.NewGuid():N}.db");

    /// <summary>
    /// The storage the console runs on. The storage tests are written once, generic in their factory type, and run
    /// with a factory and its PostgreSQL subclass (e.g. <c>WebhookConsole</c> and <c>WebhookConsole.OnPostgres</c>):
    /// a test matrix, not a copy of the tests.
    /// </summary>
    public virtual DatabaseProvider Provider => DatabaseProvider.Sqlite;

    private TestDatabase? _postgres;

    /// <summary>Another console whose database this one uses: a second instance beside it (started after it).</summary>
    public ConsoleFactory? SharesDatabaseOf { get; init; }

    /// <summary>Extra configuration a test class wants (e.g. Pusher settings pointing at a loopback listener).</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> Settings => [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        if (SharesDatabaseOf is { } first)
        {
            _ = first.Server;
            builder.UseSetting("Database:Provider", Provider.ToString());
            builder.UseSetting("ConnectionStrings:Console", Provider == DatabaseProvider.Postgres ? first._postgres!.ConnectionString : $"Data Source={first.DatabasePath}");
            // Local mode is single-instance: on a shared PostgreSQL database the first instance holds it and a second one
            // in local mode is refused at start. The second instance runs without a Channels service unless told otherwise.
            builder.UseSetting("Pusher:Local:Enabled", "false");
        }
        else if (Provider == DatabaseProvider.Postgres)
        {
            _postgres ??= TestPostgres.CreateDatabase(GetType().Name);
            builder.UseSetting("Database:Provider", "Postgres");
            builder.UseSetting("ConnectionStrings:Console", _postgres.ConnectionString);
        }
        else
        {
            builder.UseSetting("ConnectionStrings:Console", $"Data Source={DatabasePath}");
        }
        // Without Pusher credentials the console hosts its local Channels server: on any free port here, since
        // test hosts run side by side (and a developer's console may hold 6001).
        builder.UseSetting("Pusher:Local:Port", "0");
        // Every test signs in from the same (absent) address; the per-address sign-in limit has tests of its own.
        builder.UseSetting("Security:LoginRateLimit:PermitLimit", "1000000");
        foreach (var (key, value) in Settings)
            builder.UseSetting(key, value);
    }

    /// <summary>A connection to the console's database behind its back (as someone with access to the database could), not yet open.</summary>
    public System.Data.Common.DbConnection CreateDirectConnection()
    {
        _ = Server; // the database exists once the console has started
        return Provider == DatabaseProvider.Postgres
            ? new Npgsql.NpgsqlConnection(_postgres!.ConnectionString)
            : new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
    }

    /// <summary>The plain console on PostgreSQL.</summary>
    public sealed class OnPostgres : ConsoleFactory
    {
        public override DatabaseProvider Provider => DatabaseProvider.Postgres;
    }

    /// <summary>A client that keeps cookies and does not follow redirects, so tests see 302s as they are.</summary>
    public HttpClient CreateBrowserLikeClient() =>
        CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    public async Task<HttpClient> SignInAsync(string email, string password)
    {
        var client = CreateBrowserLikeClient();
        var response = await client.PostFormAsync("/Identity/Account/Login", new()
        {
            ["Input.Email"] = email,
            ["Input.Password"] = password,
            ["Input.RememberMe"] = "false",
        });
        if (response.StatusCode != HttpStatusCode.Redirect)
            throw new InvalidOperationException($"Sign-in as {email} failed: {(int)response.StatusCode}");
        return client;
    }

    public Task<HttpClient> SignInAsync(DemoUser user) => SignInAsync(user.Email, user.Password);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _postgres?.Dispose();
        if (SharesDatabaseOf is not null)
            return; // the first instance's database: it removes it
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
            File.Delete(DatabasePath + suffix);
    }
}

/// <summary>The demo accounts seeded in Development (appsettings.Development.json at the repository root).</summary>
public sealed record DemoUser(string Email, string Password, string Role)
{
    public static readonly DemoUser Admin = new("admin@school.test", "Admin-demo-123", "Admin");
    public static readonly DemoUser Teacher = new("teacher@school.test", "Teacher-demo-123", "Teacher");
    public static readonly DemoUser OtherTeacher = new("teacher2@school.test", "Teacher-demo-123", "Teacher");
    public static readonly DemoUser Student = new("student@school.test", "Student-demo-123", "Student");
    public static readonly DemoUser OtherStudent = new("student2@school.test", "Student-demo-123", "Student");
    public static readonly DemoUser Auditor = new("auditor@school.test", "Auditor-demo-123", "Auditor");

    public override string ToString() => Role + ":" + Email;
}

public static partial class FormPosting
{
    /// <summary>
    /// Posts a form the way a browser does: first GETs the page to obtain its antiforgery token (and cookie).
    /// </summary>
    public static async Task<HttpResponseMessage> PostFormAsync(this HttpClient client, string url, Dictionary<string, string> fields, string? formPageUrl = null)
    {
        var token = await GetAntiforgeryTokenAsync(client, formPageUrl ?? url);
        var content = new FormUrlEncodedContent(fields.Append(new("__RequestVerificationToken", token)));
        return await client.PostAsync(url, content);
    }

    public static async Task<string> GetAntiforgeryTokenAsync(this HttpClient client, string pageUrl)
    {
        var html = await client.GetStringAsync(pageUrl);
        var match = TokenInput().Match(html);
        if (!match.Success)
            throw new InvalidOperationException($"No antiforgery token on {pageUrl}");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenInput();
}
