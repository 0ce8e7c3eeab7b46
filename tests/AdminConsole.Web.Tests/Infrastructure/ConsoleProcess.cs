using System.Diagnostics;

namespace AdminConsole.Web.Tests.Infrastructure;

/// <summary>Runs the console's real entry point as its own process (`dotnet AdminConsole.Web.dll ...`).</summary>
public static class ConsoleProcess
{
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
}
