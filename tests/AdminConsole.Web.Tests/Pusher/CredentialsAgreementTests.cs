using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AdminConsole.Channels;
using AdminConsole.Web.Pusher;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Webhook = AdminConsole.Web.Tests.Webhooks.Webhook;

namespace AdminConsole.Web.Tests.Pusher;

/// <summary>
/// Signing (/pusher/auth) and webhook verification (/pusher/webhook) read one credentials source. Local mode is the
/// sharpest case: its secret is generated at start, so anything that read credentials elsewhere would disagree.
/// </summary>
public class CredentialsAgreementTests(ConsoleFactory console) : IClassFixture<ConsoleFactory>
{
    [Fact]
    public async Task Auth_signatures_and_webhook_verification_use_the_same_credentials()
    {
        var client = await console.SignInAsync(DemoUser.Student);
        var options = console.Services.GetRequiredService<IOptions<ChannelsOptions>>().Value;
        Assert.False(options.IsUnconfigured);

        // The auth answer is signed with exactly the secret of the options the library's services were built from.
        var response = await client.PostAsync("/pusher/auth", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["socket_id"] = "123.456",
            ["channel_name"] = "private-class-1",
        }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var auth = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("auth").GetString();
        var expected = options.Key + ":" + Convert.ToHexStringLower(
            HMACSHA256.HashData(Encoding.UTF8.GetBytes(options.Secret), Encoding.UTF8.GetBytes("123.456:private-class-1")));
        Assert.Equal(expected, auth);

        // A webhook signed with that same secret is accepted; one signed with any other is not.
        var body = Webhook.Body(WebhookEvent.ChannelOccupied("public-credentials-agree"));
        var accepted = await Webhook.PostAsync(console.CreateClient(), body, options.Key, new WebhookSigner(options.Secret).Sign(body));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var refused = await Webhook.PostAsync(console.CreateClient(), Webhook.Body(WebhookEvent.ChannelOccupied("public-credentials-agree")),
            options.Key, new WebhookSigner("some-other-secret").Sign(body));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        // The console's PusherApp hands out the library's registrations, not copies of its own.
        var app = console.Services.GetRequiredService<PusherApp>();
        Assert.Same(console.Services.GetRequiredService<SubscriptionSigner>(), app.Signer);
        Assert.Same(console.Services.GetRequiredService<WebhookVerifier>(), app.Verifier);
    }
}
