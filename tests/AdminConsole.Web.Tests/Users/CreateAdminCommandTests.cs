using AdminConsole.Web.Cluster;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Security;
using AdminConsole.Web.Shared;
using AdminConsole.Web.Users;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminConsole.Web.Tests.Users;

/// <summary>
/// The create-admin verb against a fresh temporary SQLite file in Production (nothing seeded): through the
/// command class with the app's own service registrations, and once through the real entry point.
/// </summary>
public sealed class CreateAdminCommandTests : IAsyncLifetime
{
    private readonly string _db = Path.Combine(Path.GetTempPath(), $"adminconsole-cmd-{Guid.NewGuid():N}.db");
    private WebApplication _app = null!;
    private readonly StringWriter _out = new(), _err = new();
    private readonly Dictionary<string, string> _environment = [];
    private readonly Queue<string> _typed = new();

    public Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration["ConnectionStrings:Console"] = $"Data Source={_db}";
        builder.AddData();
        builder.AddCluster(); // sessions tell other instances when they end (nobody else here: SQLite)
        builder.AddSecurity();
        builder.AddUsers();
        builder.AddEventLog(); // the audit trail every feature writes to
        _app = builder.Build(); // not started: like the verb, nothing has migrated the database yet
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
            File.Delete(_db + suffix);
    }

    private Task<int> RunAsync(params string[] args) =>
        CreateAdminCommand.RunAsync(_app.Services, ["create-admin", .. args], new CommandConsole(_out, _err,
            name => _environment.GetValueOrDefault(name),
            _ => _typed.Count > 0 ? _typed.Dequeue() : null));

    private async Task<T> WithScopeAsync<T>(Func<IServiceProvider, Task<T>> f)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await f(scope.ServiceProvider);
    }

    [Fact]
    public async Task Creates_the_first_admin_in_an_unmigrated_database_from_the_environment_password_and_audits_it()
    {
        Assert.False(File.Exists(_db));
        _environment[CreateAdminCommand.PasswordVariable] = "Principal-pw-2026";

        var exit = await RunAsync("--email", "head@school.example", "--name", "Hana Head");

        Assert.Equal(0, exit);
        Assert.Contains("Created administrator head@school.example (\"Hana Head\")", _out.ToString());
        Assert.DoesNotContain("Principal-pw-2026", _out.ToString() + _err.ToString());
        await WithScopeAsync(async sp =>
        {
            var users = sp.GetRequiredService<UserManager<AppUser>>();
            var user = await users.FindByEmailAsync("head@school.example");
            Assert.NotNull(user);
            Assert.Equal("Hana Head", user.DisplayName);
            Assert.Equal([Roles.Admin], await users.GetRolesAsync(user));
            Assert.True(await users.CheckPasswordAsync(user, "Principal-pw-2026"));
            var db = sp.GetRequiredService<AppDbContext>();
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
            Assert.Equal(Roles.All.Order(), (await db.Roles.Select(r => r.Name!).ToListAsync()).Order());
            var entry = await db.AuditEntries.SingleAsync(a => a.Kind == AuditKinds.UserCreated);
            Assert.Equal("system", entry.ActorName);
            Assert.Equal($"user:{user.Id}", entry.Target);
            Assert.DoesNotContain("Principal-pw-2026", entry.Data);
            return 0;
        });
    }

    [Fact]
    public async Task An_unreachable_PostgreSQL_server_fails_with_the_reason_not_a_stack_trace()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration["Database:Provider"] = "Postgres";
        // A port nothing listens on: the connection is refused at once.
        builder.Configuration["ConnectionStrings:Console"] = $"Host=127.0.0.1;Port={ConsoleProcess.FreePort()};Username=postgres;Database=none;Timeout=5";
        builder.AddData();
        builder.AddSecurity();
        builder.AddUsers();
        builder.AddEventLog();
        await using var app = builder.Build();
        _environment[CreateAdminCommand.PasswordVariable] = "Principal-pw-2026";

        var exit = await CreateAdminCommand.RunAsync(app.Services, ["create-admin", "--email", "head@school.example"],
            new CommandConsole(_out, _err, name => _environment.GetValueOrDefault(name), _ => null));

        Assert.Equal(1, exit);
        Assert.StartsWith("create-admin failed: ", _err.ToString());
        Assert.DoesNotContain("   at ", _err.ToString());
        Assert.DoesNotContain("Principal-pw-2026", _out.ToString() + _err.ToString());
    }

    [Fact]
    public async Task Prompts_twice_without_the_environment_variable_and_refuses_a_mismatch()
    {
        _typed.Enqueue("Typed-password-1");
        _typed.Enqueue("Typed-password-2");

        var exit = await RunAsync("--email", "ops@school.example");

        Assert.Equal(CreateAdminCommand.Failed, exit);
        Assert.Contains("do not match", _err.ToString());
        Assert.Equal(0, await WithScopeAsync(sp => sp.GetRequiredService<AppDbContext>().Users.CountAsync()));
    }

    [Fact]
    public async Task Prompted_password_creates_the_admin_with_the_email_as_name()
    {
        _typed.Enqueue("Typed-password-1");
        _typed.Enqueue("Typed-password-1");

        Assert.Equal(0, await RunAsync("--email=ops@school.example"));

        var user = await WithScopeAsync(sp => sp.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync("ops@school.example"));
        Assert.Equal("ops@school.example", user!.DisplayName);
    }

    [Theory]
    [InlineData(new string[0], "--email is required")]
    [InlineData(new[] { "--email" }, "--email needs a value")]
    [InlineData(new[] { "--email", "not-an-email" }, "Not an email address: not-an-email")]
    [InlineData(new[] { "--email", "a@b.example", "--password", "x" }, "Unknown argument: --password")]
    public async Task Usage_errors_exit_64_with_a_clear_message(string[] args, string message)
    {
        var exit = await RunAsync(args);

        Assert.Equal(CreateAdminCommand.UsageError, exit);
        Assert.Contains(message, _err.ToString());
        Assert.Contains("Usage: dotnet run --project src/AdminConsole.Web -- create-admin --email", _err.ToString());
        Assert.False(File.Exists(_db)); // nothing touched
    }

    [Fact]
    public async Task A_weak_password_or_an_existing_email_fails_with_the_reason()
    {
        _environment[CreateAdminCommand.PasswordVariable] = "short";
        Assert.Equal(CreateAdminCommand.Failed, await RunAsync("--email", "head@school.example"));
        Assert.Contains("Passwords must be at least 10 characters", _err.ToString());

        _environment[CreateAdminCommand.PasswordVariable] = "Principal-pw-2026";
        Assert.Equal(0, await RunAsync("--email", "head@school.example"));
        Assert.Equal(CreateAdminCommand.Failed, await RunAsync("--email", "head@school.example"));
        Assert.Contains("head@school.example already exists and is an administrator", _err.ToString());
    }

    [Fact]
    [Trait("Needs", "Process")]
    public async Task The_real_entry_point_dispatches_the_verb_and_exits_with_its_code()
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__Console"] = $"Data Source={_db}",
            [CreateAdminCommand.PasswordVariable] = "Principal-pw-2026",
        };
        string[] args = ["create-admin", "--email", "head@school.example", "--name", "Hana Head"];

        var first = await ConsoleProcess.RunAsync(RepositoryRoot.WebAssembly, args, environment, TimeSpan.FromSeconds(60));
        var second = await ConsoleProcess.RunAsync(RepositoryRoot.WebAssembly, args, environment, TimeSpan.FromSeconds(60));

        Assert.True(first.ExitCode == 0, first.Out + first.Error);
        Assert.Contains("Created administrator head@school.example", first.Out);
        Assert.Equal(1, second.ExitCode);
        Assert.Contains("already exists", second.Error);
    }
}
