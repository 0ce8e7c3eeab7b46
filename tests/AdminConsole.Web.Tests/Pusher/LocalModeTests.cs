using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AdminConsole.Channels;
using AdminConsole.Web.Occupancy;
using AdminConsole.Web.Pusher;
using AdminConsole.Web.Tests.Infrastructure;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.Tests.Pusher;

/// <summary>No Pusher credentials (the Development default): the console hosts the local Channels server.</summary>
public class LocalModeTests(LocalModeTests.Console console) : IClassFixture<LocalModeTests.Console>
{
    public sealed class Console : ConsoleFactory
    {
        public CapturedLogs Logs { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureLogging(l => l.AddProvider(Logs));
        }
    }

    private EmbeddedChannels Embedded => console.Services.GetRequiredService<EmbeddedChannels>();

    [Fact]
    public async Task ChannelsClient_and_the_auth_endpoint_talk_to_the_embedded_server_that_a_websocket_client_reaches()
    {
        var server = Embedded.Server;
        Assert.NotNull(server);
        Assert.NotEqual(0, server.Port);
        var options = console.Services.GetRequiredService<IOptions<ChannelsOptions>>().Value;
        Assert.Equal(("127.0.0.1", server.Port, "http"), (options.Host, options.Port, options.Scheme));
        Assert.Matches("^[0-9a-f]{64}$", options.Secret); // generated per start, not the standalone demo secret
        var app = console.Services.GetRequiredService<PusherApp>();
        Assert.True(app.IsConfigured);
        Assert.True(app.HasEncryptionKey);

        // A protocol-7 client, as pusher-js would connect to the wsHost/wsPort the pages are given.
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Port}/app/{options.Key}?protocol=7&client=test&version=1"), Timeout());
        var established = await ReceiveAsync(socket, "pusher:connection_established");
        var socketId = JsonNode.Parse(established["data"]!.GetValue<string>())!["socket_id"]!.GetValue<string>();

        // The student's /pusher/auth answer is signed with the local app's secret: the local server accepts it.
        var student = await console.SignInAsync(DemoUser.Student);
        var auth = await student.PostAsync("/pusher/auth", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["socket_id"] = socketId,
            ["channel_name"] = "private-class-1",
        }));
        Assert.Equal(HttpStatusCode.OK, auth.StatusCode);
        var signature = JsonNode.Parse(await auth.Content.ReadAsStringAsync())!["auth"]!.GetValue<string>();
        await SendAsync(socket, new { @event = "pusher:subscribe", data = new { channel = "private-class-1", auth = signature } });
        await ReceiveAsync(socket, "pusher_internal:subscription_succeeded");

        // The console's ChannelsClient sees the subscription and its trigger reaches the socket.
        var client = console.Services.GetRequiredService<ChannelsClient>();
        var channels = await client.GetChannelsAsync(prefix: "private-class-");
        Assert.Contains("private-class-1", channels.Channels.Keys);
        await client.TriggerAsync("private-class-1", "announcement", """{"title":"Hello","body":"from the console","level":"info"}""");
        var received = await ReceiveAsync(socket, "announcement");
        Assert.Equal("private-class-1", received["channel"]!.GetValue<string>());
        Assert.Equal("Hello", JsonNode.Parse(received["data"]!.GetValue<string>())!["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task Pages_get_pusher_js_settings_for_the_local_server_and_never_its_secret()
    {
        var server = Embedded.Server!;
        var secret = console.Services.GetRequiredService<IOptions<ChannelsOptions>>().Value.Secret;
        var student = await console.SignInAsync(DemoUser.Student);
        var html = await student.GetStringAsync("/Student");

        var doc = new HtmlParser().ParseDocument(html);
        var settings = JsonNode.Parse(doc.GetElementById("pusher-settings")!.TextContent)!;
        Assert.Equal("local-console", settings["key"]!.GetValue<string>());
        var o = settings["options"]!;
        Assert.Equal("127.0.0.1", o["wsHost"]!.GetValue<string>());
        Assert.Equal(server.Port, o["wsPort"]!.GetValue<int>());
        Assert.False(o["forceTLS"]!.GetValue<bool>());
        Assert.Equal(["ws"], o["enabledTransports"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.False(string.IsNullOrEmpty(o["cluster"]!.GetValue<string>()));
        Assert.Equal("/pusher/auth", o["channelAuthorization"]!["endpoint"]!.GetValue<string>());
        Assert.Equal("/pusher/user-auth", o["userAuthentication"]!["endpoint"]!.GetValue<string>());

        // The student's channels: public, their own, and Physics 7A's private, presence and encrypted channels only.
        var channels = JsonNode.Parse(doc.GetElementById("student-channels")!.TextContent)!;
        var studentId = await console.UserIdAsync(DemoUser.Student.Email);
        Assert.Equal("private-user-" + studentId, channels["userChannel"]!.GetValue<string>());
        var cls = Assert.Single(channels["classes"]!.AsArray())!;
        Assert.Equal(("Physics 7A", "private-class-1", "presence-class-1", "private-encrypted-class-1"),
            (cls["name"]!.GetValue<string>(), cls["privateChannel"]!.GetValue<string>(), cls["presenceChannel"]!.GetValue<string>(), cls["encryptedChannel"]!.GetValue<string>()));

        var admin = await console.SignInAsync(DemoUser.Admin);
        var dashboard = await admin.GetStringAsync("/");
        Assert.Contains($"Local Channels server at 127.0.0.1:{server.Port}", dashboard);
        Assert.Contains("data-testid=\"local-mode-hint\"", dashboard);

        foreach (var text in new[] { html, dashboard }.Concat(console.Logs.Lines))
            Assert.DoesNotContain(secret, text);
    }

    [Fact]
    public async Task Webhooks_signed_with_the_local_secret_are_accepted_and_reconcile_asks_the_local_server()
    {
        var options = console.Services.GetRequiredService<IOptions<ChannelsOptions>>().Value;
        // A presence member the local server does not know (as after a restart): older than now, so reconcile wins.
        var body = Webhooks.Webhook.Body(DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds(),
            WebhookEvent.ChannelOccupied("presence-class-2"), WebhookEvent.MemberAdded("presence-class-2", "ghost-user"));
        var accepted = await Webhooks.Webhook.PostAsync(console.CreateClient(), body, options.Key, new WebhookSigner(options.Secret).Sign(body));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var forged = await Webhooks.Webhook.PostAsync(console.CreateClient(), body, options.Key, new WebhookSigner("local-secret").Sign(body));
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.True(await GhostOnlineAsync());

        var result = await console.Services.GetRequiredService<Web.Occupancy.OccupancyReconciler>().RunAsync(Web.EventLog.Actor.System, default);

        Assert.True(result.Succeeded, result.Message);
        Assert.False(await GhostOnlineAsync());

        async Task<bool> GhostOnlineAsync()
        {
            await using var scope = console.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<Web.Data.AppDbContext>();
            return db.PresenceMembers.Any(m => m.Channel == "presence-class-2" && m.UserId == "ghost-user" && m.Present);
        }
    }

    [Fact]
    public void Says_in_the_log_that_it_runs_in_local_mode()
    {
        Assert.Contains(console.Logs.Lines, l => l.Contains("Local mode") && l.Contains($"127.0.0.1:{Embedded.Server!.Port}"));
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(15)).Token;

    private static async Task SendAsync(ClientWebSocket socket, object message) =>
        await socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, true, Timeout());

    /// <summary>Reads frames until one with the given event arrives (others, e.g. presence internals, are skipped).</summary>
    private static async Task<JsonNode> ReceiveAsync(ClientWebSocket socket, string eventName)
    {
        var buffer = new byte[64 * 1024];
        var token = Timeout();
        while (true)
        {
            using var frame = new MemoryStream();
            WebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer, token);
                frame.Write(buffer, 0, result.Count);
            } while (!result.EndOfMessage);
            var message = JsonNode.Parse(Encoding.UTF8.GetString(frame.ToArray()))!;
            if (message["event"]!.GetValue<string>() == eventName)
                return message;
            Assert.NotEqual("pusher:error", message["event"]!.GetValue<string>());
        }
    }
}

/// <summary>With credentials the console uses that app and hosts nothing; with local mode off it stays unconfigured.</summary>
public class LocalModeSwitchTests
{
    private sealed class WithCredentials : ConsoleFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [
            new("Pusher:AppId", "123"),
            new("Pusher:Key", "real-app-key"),
            new("Pusher:Secret", "real-app-secret"),
            new("Pusher:Cluster", "eu"),
        ];
    }

    private sealed class LocalModeOff : ConsoleFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Pusher:Local:Enabled", "false")];
    }

    private sealed class ProductionWithoutCredentials : ConsoleFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseEnvironment("Production");
        }
    }

    private sealed class PortTaken(int port) : ConsoleFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Pusher:Local:Port", port.ToString())];
    }

    [Fact]
    public async Task With_credentials_the_console_uses_pusher_and_hosts_nothing()
    {
        using var console = new WithCredentials();
        var student = await console.SignInAsync(DemoUser.Student);
        var html = await student.GetStringAsync("/Student");

        Assert.False(console.Services.GetRequiredService<EmbeddedChannels>().IsLocal);
        Assert.DoesNotContain(console.Services.GetServices<IHostedService>(), s => s.GetType().Name == "LocalChannelsLifetime");
        var options = console.Services.GetRequiredService<IOptions<ChannelsOptions>>().Value;
        Assert.Equal(new Uri("https://api-eu.pusher.com/"), options.GetBaseAddress());

        var settings = JsonNode.Parse(new HtmlParser().ParseDocument(html).GetElementById("pusher-settings")!.TextContent)!;
        Assert.Equal("real-app-key", settings["key"]!.GetValue<string>());
        Assert.Equal("eu", settings["options"]!["cluster"]!.GetValue<string>());
        Assert.True(settings["options"]!["forceTLS"]!.GetValue<bool>());
        Assert.Null(settings["options"]!["wsHost"]);
        Assert.DoesNotContain("real-app-secret", html);

        var admin = await console.SignInAsync(DemoUser.Admin);
        var dashboard = await admin.GetStringAsync("/");
        Assert.Contains("Pusher cluster eu, app 123", dashboard);
        Assert.DoesNotContain("local-mode-hint", dashboard);
    }

    [Fact]
    public async Task With_local_mode_off_and_no_credentials_auth_answers_503_and_the_student_page_says_so()
    {
        using var console = new LocalModeOff();
        Assert.False(console.Services.GetRequiredService<EmbeddedChannels>().IsLocal);
        var student = await console.SignInAsync(DemoUser.Student);

        var auth = await student.PostAsync("/pusher/auth", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["socket_id"] = "123.456",
            ["channel_name"] = "private-class-1",
        }));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, auth.StatusCode);

        var doc = new HtmlParser().ParseDocument(await student.GetStringAsync("/Student"));
        Assert.Null(doc.GetElementById("pusher-settings"));
        Assert.NotNull(doc.QuerySelector("[data-testid=cannot-connect]"));
    }

    [Fact]
    public void Outside_development_no_credentials_means_unconfigured_not_local()
    {
        // Users' browsers would look for a loopback server on their own machines.
        using var console = new ProductionWithoutCredentials();
        Assert.False(console.Services.GetRequiredService<EmbeddedChannels>().IsLocal);
        Assert.False(console.Services.GetRequiredService<PusherApp>().IsConfigured);
    }

    [Fact]
    public void When_the_configured_port_is_taken_the_local_server_takes_a_free_one()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var taken = ((IPEndPoint)holder.LocalEndpoint).Port;

        using var console = new PortTaken(taken);
        var server = console.Services.GetRequiredService<EmbeddedChannels>().Server;
        Assert.NotNull(server);
        Assert.NotEqual(taken, server.Port);
        Assert.Equal(server.Port, console.Services.GetRequiredService<IOptions<ChannelsOptions>>().Value.Port);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8008", "http://127.0.0.1:8008/pusher/webhook")]
    [InlineData("http://0.0.0.0:5000", "http://127.0.0.1:5000/pusher/webhook")]
    [InlineData("http://[::]:5000", "http://[::1]:5000/pusher/webhook")]
    [InlineData("http://*:5000", "http://127.0.0.1:5000/pusher/webhook")]
    [InlineData("http://localhost:5000", "http://127.0.0.1:5000/pusher/webhook")]
    public void Webhooks_go_to_the_consoles_own_address_as_loopback(string address, string expected) =>
        Assert.Equal(expected, LocalChannelsSetup.WebhookUrl([address]));

    [Fact]
    public void Webhooks_prefer_the_http_address_and_need_one()
    {
        Assert.Equal("http://127.0.0.1:5000/pusher/webhook", LocalChannelsSetup.WebhookUrl(["https://127.0.0.1:5001", "http://127.0.0.1:5000"]));
        Assert.Null(LocalChannelsSetup.WebhookUrl([]));
    }
}
