using System.Net.WebSockets;
using System.Text;
using AdminConsole.Testing;
using Microsoft.Data.Sqlite;

namespace AdminConsole.Web.Tests.Pusher;

/// <summary>
/// Stopping a console in local mode while pages are connected: its local server closes their sockets, which reports
/// channel_vacated to a console that no longer listens. The stop must be clean and quiet all the same.
/// </summary>
[Trait("Needs", "Process")]
public class LocalModeShutdownTests
{
    [Fact]
    public async Task SIGTERM_with_a_subscribed_client_exits_0_without_exceptions_or_failed_webhooks()
    {
        var localPort = ConsoleProcess.FreePort();
        await using var console = await ConsoleProcess.StartAsync(Path.Combine(AppContext.BaseDirectory, "AdminConsole.Web.dll"), key: "", secret: "", settings: new Dictionary<string, string>
        {
            // Local mode: no Pusher credentials, the embedded server on a port we know.
            ["Pusher__AppId"] = "",
            ["Pusher__Enabled"] = "true",
            ["Pusher__Local__Enabled"] = "true",
            ["Pusher__Local__Port"] = localPort.ToString(),
            // Vacated at once, so the stop itself produces webhooks.
            ["Pusher__Local__VacatedDelay"] = "00:00:00",
            ["Logging__LogLevel__Default"] = "Information",
        });

        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{localPort}/app/local-console?protocol=7&client=test&version=8.4.0"), CancellationToken.None);
        Assert.Contains("pusher:connection_established", await ReceiveAsync(socket));
        await socket.SendAsync(Encoding.UTF8.GetBytes("""{"event":"pusher:subscribe","data":{"channel":"shutdown-test"}}"""), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Contains("pusher_internal:subscription_succeeded", await ReceiveAsync(socket));
        // The occupied webhook reached the console: it is really listening to its local server.
        await Eventually.UntilAsync(() => ChannelKnownAsync(console.DatabasePath, "shutdown-test"), TimeSpan.FromSeconds(15), "channel_occupied to be stored");

        var exitCode = await console.StopAsync(TimeSpan.FromSeconds(30));

        var output = console.Output;
        Assert.True(exitCode == 0, $"exit code {exitCode}:\n" + string.Join('\n', output));
        Assert.DoesNotContain(output, l => l.Contains("Exception", StringComparison.Ordinal));
        Assert.DoesNotContain(output, l => l.Contains("Webhook to", StringComparison.Ordinal) && l.Contains("failed", StringComparison.Ordinal));
        Assert.DoesNotContain(output, l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal));
    }

    private static async Task<string> ReceiveAsync(ClientWebSocket socket)
    {
        var buffer = new byte[8192];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var result = await socket.ReceiveAsync(buffer, timeout.Token);
        return Encoding.UTF8.GetString(buffer, 0, result.Count);
    }

    private static async Task<bool> ChannelKnownAsync(string databasePath, string channel)
    {
        await using var connection = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """SELECT COUNT(*) FROM "ChannelStates" WHERE "Channel" = $c AND "Occupied" = 1""";
        command.Parameters.AddWithValue("$c", channel);
        try { return (long)(await command.ExecuteScalarAsync())! > 0; }
        catch (SqliteException) { return false; }
    }
}
