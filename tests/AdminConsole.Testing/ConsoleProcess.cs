using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AdminConsole.Testing;

/// <summary>
/// The console's real entry point as its own process (`dotnet AdminConsole.Web.dll ...`). <see cref="RunAsync"/> runs
/// a command to its end (e.g. create-admin); <see cref="StartAsync"/> starts a server (real Kestrel, SQLite file) and
/// waits until it is ready, so the benchmarks measure its memory alone and the webhook durability test can really
/// kill it mid-load and start it again on the same database and address.
/// </summary>
public sealed class ConsoleProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly bool _ownsDatabase;

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output;

    private ConsoleProcess(Process process, string url, string databasePath, bool ownsDatabase, System.Collections.Concurrent.ConcurrentQueue<string> output)
    {
        _output = output;
        _process = process;
        Url = url;
        DatabasePath = databasePath;
        _ownsDatabase = ownsDatabase;
    }

    public string Url { get; }
    public string DatabasePath { get; }
    public int Pid => _process.Id;

    /// <summary>Every line the console has written so far, stdout and stderr together.</summary>
    public IReadOnlyList<string> Output => [.. _output];

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
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Urls"] = url,
            ["ConnectionStrings__Console"] = $"Data Source={db}",
            ["Pusher__AppId"] = "1",
            ["Pusher__Key"] = key,
            ["Pusher__Secret"] = secret,
            ["Pusher__Enabled"] = "false",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
            environment[name] = value;
        var process = Start(dll, [], environment);
        process.StandardInput.Close();
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            output.Enqueue(e.Data);
            Console.Error.WriteLine("[console] " + e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient();
        try
        {
            await Eventually.UntilAsync(async () =>
            {
                if (process.HasExited) throw new InvalidOperationException($"The console exited with {process.ExitCode} during start.");
                try { return (await http.GetAsync(url + "/health/ready")).IsSuccessStatusCode; }
                catch (HttpRequestException) { return false; }
            }, TimeSpan.FromSeconds(90), "the console to answer /health/ready", TimeSpan.FromMilliseconds(100));
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
        return new ConsoleProcess(process, url, db, owns, output);
    }

    /// <summary>
    /// <paramref name="settings"/> plus what puts a console started with <see cref="StartAsync"/> on PostgreSQL
    /// (several processes given the same <paramref name="connectionString"/> are instances of one cluster).
    /// </summary>
    public static Dictionary<string, string> OnPostgres(string connectionString, IReadOnlyDictionary<string, string>? settings = null) =>
        new(settings ?? new Dictionary<string, string>())
        {
            ["Database__Provider"] = "Postgres",
            ["ConnectionStrings__Console"] = connectionString,
        };

    /// <summary>
    /// A console on a PostgreSQL database (<see cref="TestPostgres.CreateDatabase"/>): several of these on one database are
    /// the instances of one deployment behind a load balancer.
    /// </summary>
    /// <param name="settings">Further configuration, as in <see cref="StartAsync"/> (e.g. Redis__Configuration).</param>
    public static Task<ConsoleProcess> StartOnPostgresAsync(string dll, string key, string secret, string connectionString, string? url = null,
        IReadOnlyDictionary<string, string>? settings = null) =>
        StartAsync(dll, key, secret, databasePath: null, url, OnPostgres(connectionString, settings));

    /// <summary>Starts `dotnet {dll} {args}` with stdin/stdout/stderr redirected and only the given settings.</summary>
    public static Process Start(string dll, IEnumerable<string> args, IDictionary<string, string> environment, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(dll)!,
        };
        info.ArgumentList.Add(dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        // The test runner's own ASPNETCORE_* / DOTNET_* settings must not leak into the child.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_") || k.StartsWith("ADMINCONSOLE_") || k.StartsWith("PUSHER_") || k.StartsWith("ConnectionStrings__")).ToList())
            info.Environment.Remove(key);
        foreach (var (k, v) in environment) info.Environment[k] = v;
        return Process.Start(info)!;
    }

    /// <summary>Runs `dotnet {dll} {args}` to its end with no input; kills it and throws if it outlives <paramref name="timeout"/>.</summary>
    public static async Task<(int ExitCode, string Out, string Error)> RunAsync(string dll, IEnumerable<string> args, IDictionary<string, string> environment, TimeSpan timeout)
    {
        using var process = Start(dll, args, environment);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{dll} {string.Join(' ', args)} did not exit within {timeout}.");
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>SIGTERM, as a container runtime or systemd stops a service, and waits for the exit; returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The console did not exit within {timeout} of SIGTERM.");
        }
        return _process.ExitCode;
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
