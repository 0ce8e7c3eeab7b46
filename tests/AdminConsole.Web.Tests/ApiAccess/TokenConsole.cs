using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AdminConsole.Web.Pusher;
using AdminConsole.Web.Tests.Infrastructure;
using AngleSharp.Html.Dom;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.Tests.ApiAccess;

/// <summary>
/// The console in local mode (its own Channels server, so a sent event really reaches a subscriber), with every
/// log line it writes kept, for the token tests.
/// </summary>
public class TokenConsole : ConsoleFactory
{
    public CapturedLogs Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureLogging(l =>
        {
            l.AddFilter<CapturedLogs>(null, LogLevel.Trace);
            l.AddProvider(Logs);
        });
    }

    public const string TokensPage = "/Identity/Account/Manage/ApiTokens";

    /// <summary>Creates a token on the account page as the signed-in <paramref name="client"/>; returns it and the page that showed it.</summary>
    public async Task<(string Token, IHtmlDocument Page)> CreateOnPageAsync(HttpClient client, string name, int? expiresDays = null)
    {
        var response = await client.PostFormAsync(TokensPage + "?handler=Create", new()
        {
            ["Name"] = name,
            ["ExpiresDays"] = expiresDays?.ToString() ?? "",
        }, TokensPage);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var page = await response.ParseHtmlAsync();
        var token = page.QuerySelector("[data-testid=created-token-value]")?.TextContent.Trim();
        Assert.False(string.IsNullOrEmpty(token), "no token shown: " + page.QuerySelector("form")?.TextContent);
        return (token!, page);
    }

    /// <summary>POST /realtime/trigger with a bearer token and nothing else: no cookie, no antiforgery header.</summary>
    public async Task<HttpResponseMessage> TriggerAsync(string? authorization, object body)
    {
        using var client = CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/realtime/trigger")
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        if (authorization is not null)
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return await client.SendAsync(request);
    }

    public Task<HttpResponseMessage> TriggerWithTokenAsync(string token, string channel, string eventName = "room-changed") =>
        TriggerAsync("Bearer " + token, new { channel, @event = eventName, data = new { room = "12", text = "Physics moves to room 12" } });
}

/// <summary>A raw protocol-7 client of the console's local Channels server, subscribed with a signature from /pusher/auth.</summary>
public sealed class LocalSubscriber : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();

    public static async Task<LocalSubscriber> SubscribeAsync(ConsoleFactory console, HttpClient signedIn, string channel)
    {
        var server = console.Services.GetRequiredService<EmbeddedChannels>().Server!;
        var key = console.Services.GetRequiredService<IOptions<AdminConsole.Channels.ChannelsOptions>>().Value.Key;
        var subscriber = new LocalSubscriber();
        await subscriber._socket.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Port}/app/{key}?protocol=7&client=test&version=1"), Deadline());
        var established = await subscriber.NextAsync("pusher:connection_established");
        var socketId = JsonNode.Parse(established["data"]!.GetValue<string>())!["socket_id"]!.GetValue<string>();
        var auth = await signedIn.PostAsync("/pusher/auth", new FormUrlEncodedContent(new Dictionary<string, string> { ["socket_id"] = socketId, ["channel_name"] = channel }));
        auth.EnsureSuccessStatusCode();
        var signature = JsonNode.Parse(await auth.Content.ReadAsStringAsync())!["auth"]!.GetValue<string>();
        await subscriber._socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(new { @event = "pusher:subscribe", data = new { channel, auth = signature } }),
            WebSocketMessageType.Text, true, Deadline());
        await subscriber.NextAsync("pusher_internal:subscription_succeeded");
        return subscriber;
    }

    /// <summary>The next message with this event name (others are skipped); fails after 15 s.</summary>
    public async Task<JsonNode> NextAsync(string eventName)
    {
        var buffer = new byte[64 * 1024];
        var deadline = Deadline();
        while (true)
        {
            using var frame = new MemoryStream();
            ValueWebSocketReceiveResult result;
            do
            {
                result = await _socket.ReceiveAsync(buffer.AsMemory(), deadline);
                frame.Write(buffer, 0, result.Count);
            } while (!result.EndOfMessage);
            var message = JsonNode.Parse(frame.ToArray())!;
            if (message["event"]?.GetValue<string>() == eventName) return message;
        }
    }

    private static CancellationToken Deadline() => new CancellationTokenSource(TimeSpan.FromSeconds(15)).Token;

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}

public static class Bearer
{
    public static AuthenticationHeaderValue Of(string token) => new("Bearer", token);
}
