using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AdminConsole.Benchmarks;

/// <summary>
/// The console as its own process (Release build, real Kestrel, SQLite file in a temp folder), so its memory
/// is measured alone and the load generator's allocations do not count against it.
/// </summary>
public sealed class ConsoleProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ConsoleProcess(Process process, string url, string databasePath)
    {
        _process = process;
        Url = url;
        DatabasePath = databasePath;
    }

    public string Url { get; }
    public string DatabasePath { get; }
    public int Pid => _process.Id;

    public static async Task<ConsoleProcess> StartAsync(string dll, string key, string secret)
    {
        if (!File.Exists(dll))
            throw new FileNotFoundException($"{dll} not found: build it first with `dotnet build -c Release src/AdminConsole.Web`, or pass --console <path> / --url <running console> --db <its sqlite file>.");
        var dir = Directory.CreateTempSubdirectory("adminconsole-bench-").FullName;
        var db = Path.Combine(dir, "console.db");
        var url = $"http://127.0.0.1:{FreePort()}";
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
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("[console] " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"The console exited with {process.ExitCode} during start.");
            try
            {
                if ((await http.GetAsync(url + "/health/ready")).IsSuccessStatusCode)
                    return new ConsoleProcess(process, url, db);
            }
            catch (HttpRequestException) { }
            await Task.Delay(200);
        }
        process.Kill(entireProcessTree: true);
        throw new TimeoutException("The console did not become ready within 60 s.");
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

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(Path.GetDirectoryName(DatabasePath)!, recursive: true); } catch (IOException) { }
    }
}
