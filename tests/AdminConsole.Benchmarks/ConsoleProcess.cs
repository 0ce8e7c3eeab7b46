using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AdminConsole.Benchmarks;

/// <summary>
/// The console as its own process (real Kestrel, SQLite file), so its memory is measured alone and the load
/// generator's allocations do not count against it, and so it can really be killed. Shared with the webhook
/// durability test (linked into AdminConsole.Web.Tests), which kills it mid-load and starts it again on the same
/// database and address.
/// </summary>
public sealed class ConsoleProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly bool _ownsDatabase;

    private ConsoleProcess(Process process, string url, string databasePath, bool ownsDatabase)
    {
        _process = process;
        Url = url;
        DatabasePath = databasePath;
        _ownsDatabase = ownsDatabase;
    }

    public string Url { get; }
    public string DatabasePath { get; }
    public int Pid => _process.Id;

    /// <param name="databasePath">The SQLite file to use; by default a new one in a temp folder, deleted on dispose.</param>
    /// <param name="url">The address to listen on; by default a free loopback port.</param>
    /// <param name="settings">Further configuration, as environment variables (e.g. Webhooks__LogInlineUpToEventsPerSecond).</param>
    public static async Task<ConsoleProcess> StartAsync(string dll, string key, string secret, string? databasePath = null, string? url = null,
        IReadOnlyDictionary<string, string>? settings = null)
    {
        if (!File.Exists(dll))
            throw new FileNotFoundException($"{dll} not found: build it first with `dotnet build -c Release src/AdminConsole.Web`, or pass --console <path> / --url <running console> --db <its sqlite file>.");
        var owns = databasePath is null;
        var db = databasePath ?? Path.Combine(Directory.CreateTempSubdirectory("adminconsole-bench-").FullName, "console.db");
        url ??= $"http://127.0.0.1:{FreePort()}";
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Urls"] = url;
        start.Environment["ConnectionStrings__Console"] = $"Data Source={db}";
        start.Environment["Pusher__AppId"] = "1";
        start.Environment["Pusher__Key"] = key;
        start.Environment["Pusher__Secret"] = secret;
        start.Environment["Pusher__Enabled"] = "false";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("[console] " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"The console exited with {process.ExitCode} during start.");
            try
            {
                if ((await http.GetAsync(url + "/health/ready")).IsSuccessStatusCode)
                    return new ConsoleProcess(process, url, db, owns);
            }
            catch (HttpRequestException) { }
            await Task.Delay(100);
        }
        process.Kill(entireProcessTree: true);
        throw new TimeoutException("The console did not become ready within 90 s.");
    }

    /// <summary>SIGKILL: no shutdown, no drain, whatever was in flight is cut off.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>Peak resident memory of the console process (VmHWM), in MB.</summary>
    public double PeakMemoryMb() => PeakMemoryMb(_process.Id);

    public static double PeakMemoryMb(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
        return double.NaN;
    }

    /// <summary>CPU time (user + system) the process has used, from /proc/{pid}/stat.</summary>
    public static TimeSpan CpuTime(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[11] = utime, fields[12] = stime (clock ticks; 100 per second on Linux)
        return TimeSpan.FromSeconds((long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0);
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
        if (!_ownsDatabase)
            return;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(Path.GetDirectoryName(DatabasePath)!, recursive: true); } catch (IOException) { }
    }
}
