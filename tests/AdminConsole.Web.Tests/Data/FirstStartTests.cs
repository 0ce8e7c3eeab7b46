using System.Collections.Concurrent;
using AdminConsole.Web.Classes;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AdminConsole.Web.Tests.Data;

/// <summary>A first start outside Development: an empty, migrated database and a clear hint about create-admin.</summary>
public class FirstStartTests(FirstStartTests.ProductionConsole factory) : IClassFixture<FirstStartTests.ProductionConsole>
{
    public sealed class ProductionConsole : ConsoleFactory
    {
        public ConcurrentQueue<(LogLevel Level, string Message)> Logs { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseEnvironment("Production");
            builder.ConfigureLogging(l => l.AddProvider(new CapturingLoggerProvider(Logs)));
        }
    }

    [Fact]
    public async Task Nothing_is_seeded_the_roles_exist_and_the_log_says_how_to_create_the_first_admin()
    {
        _ = factory.Services; // starts the host: migrations, roles, the admin check

        Assert.Equal(0, await factory.QueryAsync(db => db.Users.CountAsync()));
        Assert.Equal(0, await factory.QueryAsync(db => db.Classes.CountAsync()));
        Assert.Equal(["Admin", "Auditor", "Student", "Teacher"], await factory.QueryAsync(db => db.Roles.OrderBy(r => r.Name).Select(r => r.Name!).ToListAsync()));
        var hint = Assert.Single(factory.Logs, l => l.Message.Contains("No user has the Admin role"));
        Assert.Equal(LogLevel.Warning, hint.Level);
        Assert.Contains("dotnet run --project src/AdminConsole.Web -- create-admin --email", hint.Message);
        Assert.Contains("ADMINCONSOLE_ADMIN_PASSWORD", hint.Message);
        Assert.Equal("wal", await factory.QueryAsync(async db => (await db.Database.SqlQueryRaw<string>("PRAGMA journal_mode").ToListAsync()).Single()));
    }

    [Fact]
    public async Task Demo_passwords_do_not_work_outside_development()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => factory.SignInAsync(DemoUser.Admin));
    }

    private sealed class CapturingLoggerProvider(ConcurrentQueue<(LogLevel, string)> sink) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(sink);
        public void Dispose() { }

        private sealed class Logger(ConcurrentQueue<(LogLevel, string)> sink) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                sink.Enqueue((logLevel, formatter(state, exception)));
        }
    }
}
