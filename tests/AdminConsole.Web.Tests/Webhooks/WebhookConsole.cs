using System.Net.Http.Headers;
using System.Text;
using AdminConsole.Channels;
using AdminConsole.Web.Data;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AdminConsole.Web.Tests.Webhooks;

/// <summary>The console with a Pusher app configured, so it can verify webhooks signed with <see cref="Secret"/>.</summary>
public class WebhookConsole : ConsoleFactory
{
    public const string AppId = "4242";
    public const string Key = "test-webhook-key";
    public const string Secret = "test-webhook-secret";

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Pusher:AppId", AppId),
        new("Pusher:Key", Key),
        new("Pusher:Secret", Secret),
        // Nothing in these tests talks to Pusher's API.
        new("Pusher:Enabled", "false"),
    ];

    /// <summary>Writes the refusals counted so far (normally written at the end of each minute) and waits for the commit.</summary>
    public Task FlushRejectionsAsync() => Services.GetRequiredService<AdminConsole.Web.Webhooks.WebhookRejectionLog>().FlushAsync();

    public async Task<T> QueryAsync<T>(Func<AppDbContext, Task<T>> query)
    {
        await using var scope = Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<AppDbContext>());
    }

    /// <summary>The same console on PostgreSQL, for the storage tests' matrix.</summary>
    public new sealed class OnPostgres : WebhookConsole
    {
        public override DatabaseProvider Provider => DatabaseProvider.Postgres;
    }
}

/// <summary>Builds and posts webhooks the way Pusher does: raw JSON body, X-Pusher-Key, X-Pusher-Signature.</summary>
public static class Webhook
{
    private static long s_time = 1_700_000_000_000;

    /// <summary>A fresh time_ms, so bodies of different tests never collide on the duplicate check.</summary>
    public static long NextTimeMs() => Interlocked.Add(ref s_time, 1000);

    public static string Body(long timeMs, params WebhookEvent[] events) => new AdminConsole.Channels.Webhook(timeMs, events).ToJson();

    public static string Body(params WebhookEvent[] events) => Body(NextTimeMs(), events);

    public static Task<HttpResponseMessage> PostAsync(HttpClient client, string body, string? key = WebhookConsole.Key, string? signature = null, bool sign = true)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/pusher/webhook")
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (key is not null) request.Headers.Add("X-Pusher-Key", key);
        if (sign) request.Headers.Add("X-Pusher-Signature", signature ?? new WebhookSigner(WebhookConsole.Secret).Sign(body));
        return client.SendAsync(request);
    }
}
