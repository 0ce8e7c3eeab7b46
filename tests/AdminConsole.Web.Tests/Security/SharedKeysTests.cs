using System.Net;
using AdminConsole.Web.Data;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminConsole.Web.Tests.Security;

/// <summary>
/// Two console instances on one database, as behind a load balancer: the data-protection keys live in that database,
/// so the sign-in cookie one instance issues is accepted by the other, and by an instance started after the first stops.
/// </summary>
public sealed class SharedKeysTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"adminconsole-keys-{Guid.NewGuid():N}.db");

    private sealed class OnDatabase(string path) : ConsoleFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("ConnectionStrings:Console", $"Data Source={path}")];
    }

    [Fact]
    public async Task A_cookie_issued_by_one_instance_is_accepted_by_another_and_after_a_restart()
    {
        var jar = new CookieContainer();
        using (var a = new OnDatabase(_path))
        {
            var client = a.CreateDefaultClient(new CookieContainerHandler(jar));
            var login = await client.PostFormAsync("/Identity/Account/Login", new()
            {
                ["Input.Email"] = DemoUser.Auditor.Email,
                ["Input.Password"] = DemoUser.Auditor.Password,
                ["Input.RememberMe"] = "false",
            });
            Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);

            await using var scope = a.Services.CreateAsyncScope();
            var keys = await scope.ServiceProvider.GetRequiredService<AppDbContext>().DataProtectionKeys.CountAsync();
            Assert.True(keys > 0, "the key that protects the cookie is stored in the database");

            using var b = new OnDatabase(_path);
            var onB = await b.CreateDefaultClient(new CookieContainerHandler(jar)).GetAsync("/EventLog");
            Assert.Equal(HttpStatusCode.OK, onB.StatusCode);
        }

        using var restarted = new OnDatabase(_path);
        var afterRestart = await restarted.CreateDefaultClient(new CookieContainerHandler(jar)).GetAsync("/EventLog");
        Assert.Equal(HttpStatusCode.OK, afterRestart.StatusCode);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
            File.Delete(_path + suffix);
    }
}

/// <summary>
/// Sessions are server-side and each instance keeps them in memory: a session signed in through one instance after the
/// other had read the sessions table is still found by the other (read from the database on first sight). PostgreSQL
/// only: SQLite is one instance's file, and there memory is the whole truth.
/// </summary>
public abstract class SessionsAcrossInstancesTests<TFactory> : IDisposable where TFactory : ConsoleFactory, new()
{
    private readonly TFactory _a = new();
    private readonly TFactory _b;

    protected SessionsAcrossInstancesTests() => _b = new TFactory { SharesDatabaseOf = _a };

    [Fact]
    public async Task A_session_begun_on_one_instance_is_accepted_by_another_that_already_holds_its_sessions()
    {
        // B serves a signed-in request first, so it has read the sessions table before A's sign-in below.
        var early = await _b.SignInAsync(DemoUser.Auditor);
        Assert.Equal(HttpStatusCode.OK, (await early.GetAsync("/EventLog")).StatusCode);

        var jar = new CookieContainer();
        var login = await _a.CreateDefaultClient(new CookieContainerHandler(jar)).PostFormAsync("/Identity/Account/Login", new()
        {
            ["Input.Email"] = DemoUser.Admin.Email,
            ["Input.Password"] = DemoUser.Admin.Password,
            ["Input.RememberMe"] = "false",
        });
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);

        var onB = await _b.CreateDefaultClient(new CookieContainerHandler(jar)).GetAsync("/Users");
        Assert.Equal(HttpStatusCode.OK, onB.StatusCode);
    }

    public void Dispose()
    {
        _b.Dispose();
        _a.Dispose();
    }
}

public sealed class SessionsAcrossInstancesTestsOnPostgres : SessionsAcrossInstancesTests<ConsoleFactory.OnPostgres>;
