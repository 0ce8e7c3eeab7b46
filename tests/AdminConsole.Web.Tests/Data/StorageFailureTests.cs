using System.Diagnostics;
using System.Net;
using System.Text;
using AdminConsole.Testing;
using AdminConsole.Web.Tests.Compose;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace AdminConsole.Web.Tests.Data;

/// <summary>
/// A really full disk: the console's SQLite file on a small tmpfs of its own, filled to the last byte. Writes then
/// fail with SQLITE_FULL exactly as on a full production volume; the console must answer 503 (never 500), readiness
/// must say so, and both must recover when space comes back. Needs root for mount(8), as CI has.
/// </summary>
public sealed class StorageFailureTests : IAsyncLifetime
{
    private readonly string _mount = Path.Combine(Path.GetTempPath(), "adminconsole-disk-" + Guid.NewGuid().ToString("N"));
    private string DatabasePath => Path.Combine(_mount, "console.db");

    private sealed class DiskConsole(string path) : ConsoleFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("ConnectionStrings:Console", $"Data Source={path}")];
    }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_mount);
        var (code, output) = await RunAsync("mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", _mount);
        Assert.True(code == 0, $"mount a tmpfs for the full-disk test (needs root): {output}");
    }

    public async Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        await RunAsync("umount", "-l", _mount);
        Directory.Delete(_mount, recursive: true);
    }

    [Fact]
    public async Task A_full_disk_answers_503_with_a_reason_and_readiness_fails_until_space_returns()
    {
        using var console = new DiskConsole(DatabasePath);
        var anonymous = console.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/ready")).StatusCode);
        var admin = await console.SignInAsync(DemoUser.Admin);
        var token = await admin.GetAntiforgeryTokenAsync("/Compose");
        var loginToken = await anonymous.GetAntiforgeryTokenAsync("/Identity/Account/Login");

        FillDisk();

        var ready = await anonymous.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("Unhealthy", await ready.Content.ReadAsStringAsync());

        // A failed sign-in writes the failed count and its audit entry: the write fails, the answer is 503, not 500.
        var login = await anonymous.PostAsync("/Identity/Account/Login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.Email"] = DemoUser.Teacher.Email,
            ["Input.Password"] = "not-the-password",
            ["__RequestVerificationToken"] = loginToken,
        }));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, login.StatusCode);
        Assert.Contains("Temporarily unavailable", await login.Content.ReadAsStringAsync());
        Assert.True(login.Headers.RetryAfter is not null, "503 carries Retry-After");

        // A send is recorded before it goes out: the JSON endpoint answers problem+json 503.
        using var send = new HttpRequestMessage(HttpMethod.Post, "/realtime/trigger")
        {
            Content = new StringContent("""{"channel":"public","event":"announcement","data":{"body":"hi"}}""", Encoding.UTF8, "application/json"),
        };
        send.Headers.Add("RequestVerificationToken", token);
        var sent = await admin.SendAsync(send);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, sent.StatusCode);
        Assert.Equal("application/problem+json", sent.Content.Headers.ContentType?.MediaType);

        File.Delete(Path.Combine(_mount, "filler"));
        File.Delete(Path.Combine(_mount, "filler-2"));

        // Space is back: the probe writes again (Degraded for a few seconds after the last failure still answers 200).
        await Eventually.UntilAsync(async () => (await anonymous.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30), "readiness recovers once the disk has space");
        var retried = await Trigger.PostAsync(admin, """{"channel":"public","event":"announcement","data":{"body":"hi"}}""");
        Assert.NotEqual(HttpStatusCode.ServiceUnavailable, retried.StatusCode);
        Assert.True((int)retried.StatusCode < 500, $"after recovery the send answers {(int)retried.StatusCode}");
    }

    /// <summary>
    /// Leaves no free byte and an empty WAL, so the next commit must allocate: a WAL that kept its old frames would
    /// let small commits overwrite them in place even on a full disk.
    /// </summary>
    private void FillDisk()
    {
        TruncateWal();
        Fill("filler");
        TruncateWal(); // frees what the console wrote while the first filler grew
        Fill("filler-2");
    }

    private void TruncateWal()
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        using var timeout = connection.CreateCommand();
        timeout.CommandText = "PRAGMA busy_timeout=30000";
        timeout.ExecuteNonQuery();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        Assert.Equal(0L, reader.GetInt64(0)); // not blocked: the WAL is now empty
    }

    private void Fill(string name)
    {
        var chunk = new byte[64 * 1024];
        using var file = new FileStream(Path.Combine(_mount, name), FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        try
        {
            while (true)
                file.Write(chunk);
        }
        catch (IOException)
        {
            // ENOSPC on a whole chunk: fill what is left byte by byte.
        }
        try
        {
            while (true)
                file.Write(chunk, 0, 1);
        }
        catch (IOException)
        {
            // The disk is full.
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }
}
