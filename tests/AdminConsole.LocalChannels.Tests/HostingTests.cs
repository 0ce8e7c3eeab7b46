using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using AdminConsole.Channels;
using AdminConsole.LocalChannels.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AdminConsole.LocalChannels.Tests;

public sealed class HostingTests
{
    [Fact]
    public async Task AddLocalChannels_and_MapLocalChannels_serve_the_protocol_inside_another_app()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddLocalChannels(o =>
        {
            o.AppId = ServerUnderTest.AppId;
            o.Key = ServerUnderTest.Key;
            o.Secret = ServerUnderTest.Secret;
        });
        await using var app = builder.Build();
        app.UseWebSockets();
        app.MapLocalChannels();
        app.MapGet("/host-page", () => "the host's own endpoint");
        await app.StartAsync();
        var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;

        await using var c = await RawClient.ConnectEstablishedAsync(port, ServerUnderTest.Key);
        await c.SendAsync(new { @event = "pusher:subscribe", data = new { channel = "embedded", auth = "" } });
        await c.ExpectAsync("pusher_internal:subscription_succeeded", "embedded");

        using var http = new HttpClient();
        var client = new ChannelsClient(http, Options.Create(new ChannelsOptions
        {
            AppId = ServerUnderTest.AppId, Key = ServerUnderTest.Key, Secret = ServerUnderTest.Secret, Host = "127.0.0.1", Port = port, Scheme = "http",
        }), TimeProvider.System);
        await client.TriggerAsync("embedded", "hello", "{}");
        await c.ExpectAsync("hello", "embedded");
        Assert.Equal("the host's own endpoint", await http.GetStringAsync($"http://127.0.0.1:{port}/host-page"));

        // Shutting the host down closes clients with 4200 (reconnect) instead of leaving them to time out.
        var stopping = app.StopAsync();
        Assert.Equal(4200, (await c.ReceiveAsync()).GetProperty("close").GetInt32());
        await stopping;
    }

    [Fact]
    public async Task LocalChannelsServer_binds_an_ephemeral_loopback_port_and_describes_it_for_ChannelsClient()
    {
        await using var server = await LocalChannelsServer.StartAsync(new LocalChannelsOptions());
        Assert.NotEqual(0, server.Port);
        Assert.Equal("127.0.0.1", server.Host);
        var options = server.CreateClientOptions();
        Assert.Empty(options.Validate());
        Assert.Equal(new Uri($"http://127.0.0.1:{server.Port}/"), options.GetBaseAddress());
        using var http = new HttpClient();
        var client = new ChannelsClient(http, Options.Create(options), TimeProvider.System);
        Assert.Empty((await client.GetChannelsAsync()).Channels);
    }

    [Fact]
    public async Task The_standalone_host_serves_the_protocol_and_the_HTTP_API_with_its_own_appsettings()
    {
        await using var host = new WebApplicationFactory<Program>();
        using var http = host.CreateClient();
        var options = host.Services.GetRequiredService<LocalChannelsOptions>();
        Assert.Equal("local-demo-key", options.Key);
        Assert.Contains($"key {options.Key}", await http.GetStringAsync("/"));

        var socket = await host.Server.CreateWebSocketClient()
            .ConnectAsync(new Uri($"ws://localhost/app/{options.Key}?protocol=7"), CancellationToken.None);
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var frame = await socket.ReceiveAsync(buffer, timeout.Token);
        var established = JsonDocument.Parse(Encoding.UTF8.GetString(buffer, 0, frame.Count)).RootElement;
        Assert.Equal("pusher:connection_established", established.GetProperty("event").GetString());

        // The HTTP API verifies requests signed with the host's configured app credentials.
        var client = new ChannelsClient(http, Options.Create(new ChannelsOptions
        {
            AppId = options.AppId, Key = options.Key, Secret = options.Secret, Host = "localhost", Port = 80, Scheme = "http",
        }), TimeProvider.System);
        Assert.Empty((await client.GetChannelsAsync()).Channels);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
    }

    [Fact]
    public void Standalone_appsettings_bind_to_valid_local_only_options()
    {
        var config = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(Interop.RepoRoot, "src", "AdminConsole.LocalChannels.Host", "appsettings.json"))
            .Build();
        var options = config.GetSection(LocalChannelsOptions.SectionName).Get<LocalChannelsOptions>();
        Assert.NotNull(options);
        Assert.Contains("local", options.Key);
        Assert.Equal(TimeSpan.FromSeconds(3), options.Webhooks.VacatedDelay);
        Assert.Equal(TimeSpan.FromMinutes(2), options.ActivityTimeout);
        // Registration validates: a usable configuration starts.
        new ServiceCollection().AddLocalChannels(options);
    }

    [Fact]
    public void Invalid_options_are_refused_at_registration()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddLocalChannels(o =>
        {
            o.Secret = "";
            o.Webhooks.Urls.Add("not a url");
        }));
        Assert.Contains("Secret", e.Message);
        Assert.Contains("not a url", e.Message);
    }
}
