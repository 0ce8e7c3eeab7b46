using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AdminConsole.Testing;

/// <summary>A request as the loopback server received it.</summary>
public sealed record RecordedRequest(string Method, string Path, string RawQuery, IReadOnlyList<KeyValuePair<string, string>> Query, byte[] Body, string? ContentType);

/// <summary>A real Kestrel listener on 127.0.0.1 (port 0) standing in for the Pusher HTTP API.</summary>
public sealed class LoopbackApi : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackApi(WebApplication app) => _app = app;

    public int Port { get; private set; }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>Answers each request; the default is 200 <c>{}</c>.</summary>
    public Func<HttpContext, RecordedRequest, Task> Handler { get; set; } = (ctx, _) => ctx.Response.WriteAsync("{}");

    /// <summary>
    /// Makes every request hang until the caller gives up (its timeout aborts the request): a Pusher that does not
    /// answer. The returned task completes when the first such request has arrived.
    /// </summary>
    public Task NeverAnswer()
    {
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Handler = async (ctx, _) =>
        {
            var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var registration = ctx.RequestAborted.Register(() => aborted.TrySetResult());
            arrived.TrySetResult();
            await aborted.Task;
        };
        return arrived.Task;
    }

    public static async Task<LoopbackApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var api = new LoopbackApi(app);
        app.Run(async ctx =>
        {
            var target = ctx.Features.Get<IHttpRequestFeature>()!.RawTarget;
            var q = target.IndexOf('?');
            var rawQuery = q < 0 ? string.Empty : target[(q + 1)..];
            var query = QueryHelpers.ParseQuery(rawQuery).SelectMany(p => p.Value.Select(v => KeyValuePair.Create(p.Key, v ?? string.Empty))).ToList();
            using var buffer = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted);
            var request = new RecordedRequest(ctx.Request.Method, q < 0 ? target : target[..q], rawQuery, query, buffer.ToArray(), ctx.Request.ContentType);
            api.Requests.Enqueue(request);
            await api.Handler(ctx, request);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        api.Port = new Uri(address).Port;
        return api;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
