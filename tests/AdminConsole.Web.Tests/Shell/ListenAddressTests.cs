using System.Net;

namespace AdminConsole.Web.Tests.Shell;

/// <summary>
/// The README documents ASPNETCORE_URLS (containers set it). A "Urls" key in appsettings.json used to outrank it,
/// so the console kept listening on 8008 whatever the deployment said. A real child process proves the variable wins.
/// </summary>
[Trait("Needs", "Process")]
public class ListenAddressTests
{
    [Fact]
    public async Task ASPNETCORE_URLS_decides_where_the_console_listens()
    {
        var folder = Directory.CreateTempSubdirectory("adminconsole-urls-").FullName;
        var url = $"http://127.0.0.1:{ConsoleProcess.FreePort()}";
        using var app = ConsoleProcess.Start(RepositoryRoot.WebAssembly, [], new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = url,
            ["ConnectionStrings__Console"] = $"Data Source={Path.Combine(folder, "console.db")}",
            ["Pusher__AppId"] = "1",
            ["Pusher__Key"] = "urls-key",
            ["Pusher__Secret"] = "urls-secret",
            ["Pusher__Enabled"] = "false",
            ["Pusher__Local__Port"] = "0",
            ["Logging__LogLevel__Default"] = "Warning",
        });
        app.StandardInput.Close();
        var stderr = app.StandardError.ReadToEndAsync();
        _ = app.StandardOutput.ReadToEndAsync();
        using var http = new HttpClient();
        try
        {
            await Eventually.UntilAsync(async () =>
            {
                if (app.HasExited) throw new InvalidOperationException($"The console exited with {app.ExitCode}: {await stderr}");
                try { return (await http.GetAsync(url + "/health/live")).StatusCode == HttpStatusCode.OK; }
                catch (HttpRequestException) { return false; }
            }, TimeSpan.FromSeconds(90), "the console to answer on the ASPNETCORE_URLS address", TimeSpan.FromMilliseconds(100));
        }
        finally
        {
            app.Kill(entireProcessTree: true);
            await app.WaitForExitAsync();
            Directory.Delete(folder, recursive: true);
        }
    }
}
