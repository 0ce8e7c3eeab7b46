using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using AdminConsole.Channels;

namespace AdminConsole.Testing;

/// <summary>Runs tests/interop/oracle.mjs (the official npm libraries) once over a whole batch of inputs.</summary>
public static class NodeOracle
{
    /// <summary>Sends <paramref name="input"/> to the oracle and returns its answer; fails loudly if the npm peers are not installed.</summary>
    public static async Task<JsonObject> RunAsync(JsonObject input)
    {
        var interop = RepositoryRoot.Interop;
        if (!Directory.Exists(Path.Combine(interop, "node_modules", "pusher")))
        {
            throw new InvalidOperationException($"The npm oracle is not installed: run `npm ci` in {interop} (tests/run.sh does this).");
        }

        var psi = new ProcessStartInfo("node", "oracle.mjs")
        {
            WorkingDirectory = interop,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
        };
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("node could not be started.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("node (Node.js) is not on PATH; the oracle tests need it (apt-get install nodejs npm), then `npm ci` in tests/interop.", e);
        }
        using var _ = process;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // JsJson keeps lone surrogates as \uXXXX escapes, which JSON.parse restores exactly.
        await process.StandardInput.WriteAsync(JsJson.Stringify(input));
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout;
        if (process.ExitCode != 0) throw new InvalidOperationException($"node oracle.mjs exited {process.ExitCode}: {await stderr}");
        return JsonNode.Parse(output)!.AsObject();
    }
}
