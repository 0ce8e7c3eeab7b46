using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using AdminConsole.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AdminConsole.LocalChannels.Tests.Infrastructure;

/// <summary>A webhook received by the test, exactly as it came over the wire.</summary>
public sealed record ReceivedWebhook(string? Key, string? Signature, string? ContentType, byte[] Body)
{
    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);
    public Webhook Parsed => Webhook.Parse(BodyText);
}

/// <summary>
/// What an app backend would be to the local server: pusher-js auth endpoints (signing with the protocol library's
/// <see cref="SubscriptionSigner"/>) and a webhook receiver, on its own loopback port.
/// </summary>
public sealed class PeerHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _webhooks = new();
    private int _failuresLeft;

    public static readonly byte[] MasterKey = RandomNumberGenerator.GetBytes(32);

    private PeerHost(WebApplication app) => _app = app;

    public int Port { get; private set; }
    public string BaseUrl => $"http://127.0.0.1:{Port}";
    public string WebhookUrl => BaseUrl + "/webhook";
    public IReadOnlyList<ReceivedWebhook> Webhooks => [.. _webhooks];
    public int WebhookRequests;

    /// <summary>The next <paramref name="count"/> webhook requests are answered 500, to exercise retries.</summary>
    public void FailNextWebhooks(int count) => Volatile.Write(ref _failuresLeft, count);

    public IEnumerable<WebhookEvent> WebhookEvents => Webhooks.SelectMany(w => w.Parsed.Events);

    public static async Task<PeerHost> StartAsync(string key, string secret)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRoutingCore();
        builder.Services.AddLogging();
        var app = builder.Build();
        var host = new PeerHost(app);
        var signer = new SubscriptionSigner(key, secret, MasterKey);

        app.UseRouting();
        // pusher-js posts form fields socket_id and channel_name, plus our params (user_id, name).
        app.MapPost("/pusher/auth", async context =>
        {
            var form = await context.Request.ReadFormAsync();
            var socketId = form["socket_id"].ToString();
            var channel = form["channel_name"].ToString();
            if (channel.Contains("forbidden", StringComparison.Ordinal))
            {
                context.Response.StatusCode = 403;
                await context.Response.WriteAsync("Forbidden");
                return;
            }
            ChannelAuthorization auth;
            if (channel.StartsWith("presence-", StringComparison.Ordinal))
            {
                auth = signer.AuthorizePresence(socketId, channel, form["user_id"].ToString(), new JsonObject { ["name"] = form["name"].ToString() });
            }
            else if (form["tamper"].ToString() == "1")
            {
                // A signature for another socket: the server must refuse it.
                auth = signer.AuthorizeChannel("1.1", channel);
            }
            else
            {
                auth = signer.AuthorizeChannel(socketId, channel);
            }
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(auth.ToJson());
        });
        app.MapPost("/pusher/user-auth", async context =>
        {
            var form = await context.Request.ReadFormAsync();
            var watchlist = form["watchlist"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries);
            var auth = signer.AuthenticateUser(form["socket_id"].ToString(), form["user_id"].ToString(), new JsonObject { ["name"] = form["user_id"].ToString() },
                watchlist.Length > 0 ? watchlist : null);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(auth.ToJson());
        });
        app.MapPost("/webhook", async context =>
        {
            Interlocked.Increment(ref host.WebhookRequests);
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            if (Interlocked.Decrement(ref host._failuresLeft) >= 0)
            {
                context.Response.StatusCode = 500;
                return;
            }
            host._webhooks.Enqueue(new ReceivedWebhook(
                context.Request.Headers["X-Pusher-Key"].ToString(),
                context.Request.Headers["X-Pusher-Signature"].ToString(),
                context.Request.ContentType,
                body.ToArray()));
        });
        await app.StartAsync();
        host.Port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        return host;
    }

    public Task WaitForWebhookAsync(Func<WebhookEvent, bool> match, string what, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(() => WebhookEvents.Any(match), timeout ?? TimeSpan.FromSeconds(10), "webhook " + what);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
