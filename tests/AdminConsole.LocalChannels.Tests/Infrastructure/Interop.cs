using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace AdminConsole.LocalChannels.Tests.Infrastructure;

/// <summary>Runs the node scripts in tests/interop/localchannels against the npm peers (pusher 5.3.4, pusher-js 8.6.0).</summary>
public static class Interop
{
    public static string RepoRoot => RepositoryRoot.Path;

    public static string InteropDir => RepositoryRoot.Interop;

    /// <summary>Runs one script with the given environment and returns the JSON object it prints as its last stdout line.</summary>
    public static async Task<JsonElement> RunAsync(string script, IDictionary<string, string> env, TimeSpan? timeout = null)
    {
        var modules = Path.Combine(InteropDir, "node_modules");
        // Never skip: a missing install is a broken checkout, and these peers are the judges of the server.
        Assert.True(Directory.Exists(Path.Combine(modules, "pusher-js")) && Directory.Exists(Path.Combine(modules, "pusher")),
            $"npm peers missing: run `npm ci` in {InteropDir}");

        var psi = new ProcessStartInfo("node", Path.Combine(InteropDir, "localchannels", script))
        {
            WorkingDirectory = InteropDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (k, v) in env) psi.Environment[k] = v;

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("node did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{script} timed out.\nstdout:\n{await stdout}\nstderr:\n{await stderr}");
        }
        var output = await stdout;
        var errors = await stderr;
        Assert.True(process.ExitCode == 0, $"{script} exited {process.ExitCode}.\nstdout:\n{output}\nstderr:\n{errors}");
        var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        Assert.False(last is null, $"{script} printed nothing.\nstderr:\n{errors}");
        try
        {
            return JsonDocument.Parse(last!).RootElement.Clone();
        }
        catch (JsonException)
        {
            Assert.Fail($"{script} did not end with a JSON line.\nstdout:\n{output}\nstderr:\n{errors}");
            throw;
        }
    }
}

public static class Json
{
    public static string Text(this JsonElement e, string property) => e.GetProperty(property).ToString();

    public static string Serialize(object value) => JsonSerializer.Serialize(value);

    public static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");
}
