using System.Collections.Concurrent;
using AdminConsole.Web.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AdminConsole.Web.Tests.Infrastructure;

/// <summary>
/// The console with Pusher credentials and an encryption master key, its HTTP API pointed at a loopback
/// listener started for the test (<see cref="Api"/>), and every log line the app writes kept in <see cref="Logs"/>.
/// </summary>
public class PusherConsoleFactory : ConsoleFactory, IAsyncLifetime
{
    public const string AppId = "4242";
    public const string Key = "test-app-key";
    public const string Secret = "Secret-Of-The-Test-App-9f2c7e1d";
    /// <summary>Bytes 0..31, base64.</summary>
    public const string MasterKeyBase64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    public LoopbackApi Api { get; private set; } = null!;
    public CapturedLogs Logs { get; } = new();

    /// <summary>The same console on PostgreSQL.</summary>
    public new sealed class OnPostgres : PusherConsoleFactory
    {
        public override DatabaseProvider Provider => DatabaseProvider.Postgres;
    }

    protected virtual bool WithMasterKey => true;
    protected virtual bool PusherEnabled => true;
    protected virtual int AuthPermitLimit => 100_000;

    public virtual async Task InitializeAsync()
    {
        Api = await LoopbackApi.StartAsync();
    }

    Task IAsyncLifetime.DisposeAsync() => Api.DisposeAsync().AsTask();

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Pusher:Enabled", PusherEnabled ? "true" : "false"),
        new("Pusher:AppId", AppId),
        new("Pusher:Key", Key),
        new("Pusher:Secret", Secret),
        new("Pusher:Host", "127.0.0.1"),
        new("Pusher:Port", Api.Port.ToString()),
        new("Pusher:Scheme", "http"),
        // The hanging-Pusher tests wait this long; 1 s also timed real sends out (502) on a loaded 2-core machine.
        new("Pusher:Timeout", "00:00:05"),
        new("Pusher:EncryptionMasterKeyBase64", WithMasterKey ? MasterKeyBase64 : ""),
        new("ChannelAuth:RateLimit:PermitLimit", AuthPermitLimit.ToString()),
    ];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureLogging(l =>
        {
            // Everything, whatever appsettings filter: the secrets scan reads it all.
            l.AddFilter<CapturedLogs>(null, LogLevel.Trace);
            l.AddProvider(Logs);
        });
    }

    public async Task<string> UserIdAsync(DemoUser user)
    {
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        return (await users.FindByEmailAsync(user.Email))!.Id;
    }

    public async Task<T> WithDbAsync<T>(Func<AppDbContext, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<AppDbContext>());
    }

    /// <summary>Waits (polling the database) until <paramref name="condition"/> holds; fails after 10 s.</summary>
    public Task EventuallyAsync(Func<AppDbContext, Task<bool>> condition, string what) =>
        Eventually.UntilAsync(() => WithDbAsync(condition), TimeSpan.FromSeconds(10), what);
}

/// <summary>Keeps every formatted log message (with exception text) the app writes.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{logLevel} {category}: {formatter(state, exception)}";
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
                line += " | " + string.Join(", ", values.Select(v => $"{v.Key}={v.Value}"));
            if (exception is not null) line += " | " + exception;
            owner.Lines.Enqueue(line);
        }
    }
}
