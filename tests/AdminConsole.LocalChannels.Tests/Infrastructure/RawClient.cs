using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace AdminConsole.LocalChannels.Tests.Infrastructure;

/// <summary>A bare WebSocket client for protocol details pusher-js hides (handshake close codes, server pings).</summary>
public sealed class RawClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();

    public WebSocket Socket => _socket;
    public string SocketId { get; private set; } = "";

    public static async Task<RawClient> ConnectAsync(int port, string key, string query = "?protocol=7&client=raw&version=1.0")
    {
        var client = new RawClient();
        await client._socket.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/app/{key}{query}"), CancellationToken.None);
        return client;
    }

    public static async Task<RawClient> ConnectEstablishedAsync(int port, string key)
    {
        var client = await ConnectAsync(port, key);
        var established = await client.ReceiveAsync();
        Assert.Equal("pusher:connection_established", established.GetProperty("event").GetString());
        client.SocketId = JsonDocument.Parse(established.GetProperty("data").GetString()!).RootElement.GetProperty("socket_id").GetString()!;
        return client;
    }

    public Task SendAsync(object message) =>
        _socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>The next text message, or a JSON object <c>{"close":code}</c> when the server closes.</summary>
    public async Task<JsonElement> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var buffer = new byte[64 * 1024];
        var length = 0;
        ValueWebSocketReceiveResult result;
        do
        {
            result = await _socket.ReceiveAsync(buffer.AsMemory(length), cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                // Answer the close handshake as a browser would, so the server is not left waiting for it.
                if (_socket.State == WebSocketState.CloseReceived)
                {
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
                }
                return JsonDocument.Parse($"{{\"close\":{(int?)_socket.CloseStatus ?? 0}}}").RootElement.Clone();
            }
            length += result.Count;
        } while (!result.EndOfMessage);
        return JsonDocument.Parse(Encoding.UTF8.GetString(buffer, 0, length)).RootElement.Clone();
    }

    /// <summary>Reads messages until one with the given event (and channel) arrives.</summary>
    public async Task<JsonElement> ExpectAsync(string eventName, string? channel = null)
    {
        while (true)
        {
            var m = await ReceiveAsync();
            if (m.TryGetProperty("close", out var code)) Assert.Fail($"Closed with {code} while waiting for {eventName}");
            if (m.GetProperty("event").GetString() == eventName &&
                (channel is null || (m.TryGetProperty("channel", out var ch) && ch.GetString() == channel)))
            {
                return m;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
            }
        }
        _socket.Dispose();
    }
}
