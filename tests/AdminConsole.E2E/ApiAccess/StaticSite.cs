using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AdminConsole.E2E.ApiAccess;

/// <summary>
/// A separate dashboard's web server, as the seed's Vite app would be: its own loopback port (so its own origin),
/// serving <see cref="DashboardPage"/> and pusher-js from the repository's wwwroot/lib. It knows nothing of the console.
/// </summary>
public sealed class StaticSite : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StaticSite(WebApplication app, string origin)
    {
        _app = app;
        Origin = origin;
    }

    public string Origin { get; }

    public static StaticSite Start()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var pusherJs = Path.Combine(RepositoryRoot.Path, "wwwroot", "lib", "pusher-js", "dist", "web", "pusher.min.js");
        app.MapGet("/", () => Results.Content(DashboardPage.Html, "text/html; charset=utf-8"));
        app.MapGet("/pusher.min.js", () => Results.File(pusherJs, "text/javascript"));
        app.StartAsync().GetAwaiter().GetResult();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new StaticSite(app, address.TrimEnd('/'));
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}

/// <summary>
/// The dashboard: what docs/api.md tells a separate single-page app to do. pusher-js authorizes through the
/// console's /pusher/auth with the user's cookie (a custom handler, because pusher-js's own XHR sends no
/// credentials cross-origin), and events go to /realtime/trigger with the antiforgery token from /api/session.
/// </summary>
public static class DashboardPage
{
    public const string Html = """
        <!doctype html>
        <html><head><meta charset="utf-8"><title>Dashboard</title><script src="/pusher.min.js"></script></head>
        <body>
        <pre id="log"></pre>
        <script>
        const log = (line) => document.getElementById('log').textContent += line + '\n';

        function connect(consoleUrl, key, wsPort) {
          return new Pusher(key, {
            cluster: 'mt1', wsHost: '127.0.0.1', wsPort, forceTLS: false, enabledTransports: ['ws'],
            channelAuthorization: {
              customHandler: async ({ socketId, channelName }, callback) => {
                try {
                  const response = await fetch(consoleUrl + '/pusher/auth', {
                    method: 'POST', credentials: 'include',
                    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
                    body: new URLSearchParams({ socket_id: socketId, channel_name: channelName }),
                  });
                  if (!response.ok) return callback(new Error('auth ' + response.status), null);
                  callback(null, await response.json());
                } catch (e) { callback(e, null); }
              },
            },
          });
        }

        // Signed in through the console: read the session, subscribe to the class channel, send to it, receive it.
        window.sendAndReceive = async (consoleUrl, key, wsPort, channel) => {
          const sessionResponse = await fetch(consoleUrl + '/api/session', { credentials: 'include' });
          const session = await sessionResponse.json();
          log('signed in as ' + session.email);
          const pusher = connect(consoleUrl, key, wsPort);
          const subscription = pusher.subscribe(channel);
          await new Promise((resolve, reject) => {
            subscription.bind('pusher:subscription_succeeded', resolve);
            subscription.bind('pusher:subscription_error', e => reject(new Error('subscription refused: ' + JSON.stringify(e))));
          });
          const received = new Promise(resolve => subscription.bind('from-dashboard', resolve));
          const trigger = await fetch(consoleUrl + '/realtime/trigger', {
            method: 'POST', credentials: 'include',
            headers: { 'Content-Type': 'application/json', [session.antiforgery.headerName]: session.antiforgery.token },
            body: JSON.stringify({ channel, event: 'from-dashboard', data: { text: 'Sent from the dashboard' } }),
          });
          const data = await received;
          pusher.disconnect();
          return { email: session.email, roles: session.roles, triggerStatus: trigger.status, received: data.text };
        };

        // From an origin the console does not list: every call must fail before the console acts on it.
        window.tryFromElsewhere = async (consoleUrl, key, wsPort, channel, antiforgeryHeader, antiforgeryToken) => {
          const outcome = async (call) => { try { const r = await call(); return 'answered ' + r.status; } catch (e) { return 'blocked: ' + e.name; } };
          const session = await outcome(() => fetch(consoleUrl + '/api/session', { credentials: 'include' }));
          const trigger = await outcome(() => fetch(consoleUrl + '/realtime/trigger', {
            method: 'POST', credentials: 'include',
            headers: { 'Content-Type': 'application/json', [antiforgeryHeader]: antiforgeryToken },
            body: JSON.stringify({ channel, event: 'from-elsewhere', data: 'should never be sent' }),
          }));
          const pusher = connect(consoleUrl, key, wsPort);
          const subscription = pusher.subscribe(channel);
          const subscribe = await new Promise(resolve => {
            subscription.bind('pusher:subscription_succeeded', () => resolve('subscribed'));
            subscription.bind('pusher:subscription_error', () => resolve('refused'));
          });
          pusher.disconnect();
          return { session, trigger, subscribe };
        };
        </script>
        </body></html>
        """;
}
