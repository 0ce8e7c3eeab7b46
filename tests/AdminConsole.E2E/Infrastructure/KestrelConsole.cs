using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace AdminConsole.E2E.Infrastructure;

/// <summary>The console on real Kestrel at 127.0.0.1:{random port}, with its own SQLite file, for a real browser.</summary>
public class KestrelConsole : WebApplicationFactory<Program>
{
    private readonly string _db = Path.Combine(Path.GetTempPath(), $"adminconsole-e2e-{Guid.NewGuid():N}.db");

    public KestrelConsole()
    {
        UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        BaseUrl = addresses.Addresses.First().TrimEnd('/');
    }

    public string BaseUrl { get; }

    /// <summary>Extra configuration, e.g. Pusher settings; applied before the server starts.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> Settings => [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("ConnectionStrings:Console", $"Data Source={_db}");
        // Without Pusher credentials the console hosts its local Channels server: on any free port here, since
        // test hosts run side by side (and a developer's console may hold 6001).
        builder.UseSetting("Pusher:Local:Port", "0");
        // Every browser signs in from 127.0.0.1; the per-address sign-in limit is tested in the web tests.
        builder.UseSetting("Security:LoginRateLimit:PermitLimit", "1000000");
        foreach (var (key, value) in Settings)
            builder.UseSetting(key, value);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
            File.Delete(_db + suffix);
    }
}
