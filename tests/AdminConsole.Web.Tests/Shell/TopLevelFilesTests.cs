using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AdminConsole.Web.Tests.Shell;

/// <summary>
/// The user fixed the repository's top level: wwwroot/ and appsettings.Development.json live there, not in the
/// web project. These prove the console really uses them, under the test host and in `dotnet publish` output.
/// </summary>
public partial class TopLevelFilesTests(ConsoleFactory factory) : IClassFixture<ConsoleFactory>
{
    private const string Bootstrap = "lib/bootstrap/dist/css/bootstrap.min.css";
    private static string TopLevel(string relative) => Path.Combine(RepositoryRoot.Path, relative);
    private static string FirstDemoEmail() =>
        JsonDocument.Parse(File.ReadAllText(TopLevel("appsettings.Development.json"))).RootElement
            .GetProperty("DemoSeed").GetProperty("Users")[0].GetProperty("Email").GetString()!;

    [Fact]
    public void The_web_project_has_no_wwwroot_or_development_settings_of_its_own()
    {
        var project = TopLevel("src/AdminConsole.Web");
        Assert.False(Directory.Exists(Path.Combine(project, "wwwroot")));
        Assert.False(File.Exists(Path.Combine(project, "appsettings.Development.json")));
    }

    [Fact]
    public async Task The_test_host_serves_the_top_level_wwwroot_and_reads_the_top_level_development_settings()
    {
        var response = await factory.CreateClient().GetAsync("/" + Bootstrap);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(await File.ReadAllBytesAsync(TopLevel("wwwroot/" + Bootstrap)), await response.Content.ReadAsByteArrayAsync());
        var configuration = factory.Services.GetRequiredService<IConfiguration>();
        Assert.Equal(FirstDemoEmail(), configuration["DemoSeed:Users:0:Email"]);
    }

    [Fact]
    [Trait("Needs", "Publish")]
    [Trait("Needs", "Process")]
    public async Task Publish_output_carries_the_top_level_files_and_the_published_app_serves_and_reads_them()
    {
        var output = Directory.CreateTempSubdirectory("adminconsole-publish-").FullName;
        var db = Path.Combine(output, "console.db");
        try
        {
            // --no-build: the test run has just built the web project in this configuration; publish only lays it out.
            var publish = Process.Start(new ProcessStartInfo("dotnet", ["publish", TopLevel("src/AdminConsole.Web"), "-c", RepositoryRoot.Configuration, "--no-build", "-o", output, "--nologo", "-v", "q"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var log = publish.StandardOutput.ReadToEndAsync();
            await publish.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
            Assert.True(publish.ExitCode == 0, "dotnet publish failed: " + await log + await publish.StandardError.ReadToEndAsync());

            Assert.Equal(await File.ReadAllBytesAsync(TopLevel("wwwroot/" + Bootstrap)), await File.ReadAllBytesAsync(Path.Combine(output, "wwwroot", Bootstrap)));
            Assert.Equal(await File.ReadAllBytesAsync(TopLevel("appsettings.Development.json")), await File.ReadAllBytesAsync(Path.Combine(output, "appsettings.Development.json")));

            using var app = ConsoleProcess.Start(Path.Combine(output, "AdminConsole.Web.dll"), ["--urls", "http://127.0.0.1:0"], new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["ConnectionStrings__Console"] = $"Data Source={db}",
            }, workingDirectory: output);
            try
            {
                var baseUrl = await ListeningAddressAsync(app, TimeSpan.FromSeconds(90));
                using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true }) { BaseAddress = new Uri(baseUrl) };

                Assert.Equal(await File.ReadAllBytesAsync(TopLevel("wwwroot/" + Bootstrap)), await client.GetByteArrayAsync("/" + Bootstrap));

                // The demo accounts exist only because the published app read appsettings.Development.json.
                var signIn = await client.PostFormAsync("/Identity/Account/Login", new()
                {
                    ["Input.Email"] = DemoUser.Admin.Email,
                    ["Input.Password"] = DemoUser.Admin.Password,
                });
                Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
                Assert.Contains(FirstDemoEmail(), await client.GetStringAsync("/Users"));
            }
            finally
            {
                app.Kill(entireProcessTree: true);
                await app.WaitForExitAsync();
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(output, recursive: true);
        }
    }

    private static async Task<string> ListeningAddressAsync(Process app, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var seen = new System.Text.StringBuilder();
        while (await app.StandardOutput.ReadLineAsync(cts.Token) is { } line)
        {
            seen.AppendLine(line);
            if (ListeningOn().Match(line) is { Success: true } m)
            {
                _ = app.StandardOutput.ReadToEndAsync(); // keep draining so the app never blocks on a full pipe
                _ = app.StandardError.ReadToEndAsync();
                return m.Groups[1].Value;
            }
        }
        throw new InvalidOperationException("The published console exited before listening: " + seen + await app.StandardError.ReadToEndAsync());
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();
}
