using System.Security.Cryptography;
using System.Text;

namespace AdminConsole.Channels.Tests;

public class WebhookAndEncryptionTests
{
    private static readonly WebhookSigner Signer = new("tofu");
    private static readonly WebhookVerifier Verifier = new("key", "tofu");

    private static (byte[] Body, string Signature) Signed(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        return (bytes, Signer.Sign(bytes));
    }

    [Fact]
    public void Every_failure_is_named()
    {
        var (body, sig) = Signed("{\"time_ms\":1,\"events\":[]}");
        Assert.Equal(WebhookFailure.MissingKey, Verifier.Verify(null, sig, body).Failure);
        Assert.Equal(WebhookFailure.MissingKey, Verifier.Verify("", sig, body).Failure);
        Assert.Equal(WebhookFailure.UnknownKey, Verifier.Verify("nope", sig, body).Failure);
        Assert.Equal(WebhookFailure.MissingSignature, Verifier.Verify("key", null, body).Failure);
        Assert.Equal(WebhookFailure.BadSignature, Verifier.Verify("key", sig[..^1] + (sig[^1] == '0' ? '1' : '0'), body).Failure);
        Assert.Equal(WebhookFailure.BadSignature, Verifier.Verify("key", sig, "{\"time_ms\":2,\"events\":[]}"u8).Failure);
        var ok = Verifier.Verify("key", sig.ToUpperInvariant(), body);
        Assert.True(ok.IsValid);
        Assert.Empty(ok.Webhook!.Events);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("{\"events\":[]}")]
    [InlineData("{\"time_ms\":1}")]
    [InlineData("{\"time_ms\":1,\"events\":[{\"channel\":\"a\"}]}")]
    [InlineData("{\"time_ms\":1,\"events\":[3]}")]
    public void Malformed_bodies_are_reported_after_the_signature_checks(string body)
    {
        var (bytes, sig) = Signed(body);
        var result = Verifier.Verify("key", sig, bytes);
        Assert.False(result.IsValid);
        Assert.Equal(WebhookFailure.MalformedBody, result.Failure);
        Assert.NotNull(result.Reason);
        Assert.DoesNotContain("tofu", result.Reason);
    }

    [Fact]
    public void Failure_reasons_never_reveal_the_expected_signature()
    {
        var (body, sig) = Signed("{\"time_ms\":1,\"events\":[]}");
        var result = Verifier.Verify("key", "abc", body);
        Assert.DoesNotContain(sig, result.Reason);
        Assert.DoesNotContain("tofu", result.Reason);
    }

    [Fact]
    public void Parses_every_event_kind_and_keeps_unknown_ones()
    {
        var body = """
            {"time_ms":1700000000123,"events":[
            {"name":"channel_occupied","channel":"a"},
            {"name":"channel_vacated","channel":"a"},
            {"name":"member_added","channel":"presence-a","user_id":"7"},
            {"name":"member_removed","channel":"presence-a","user_id":7},
            {"name":"client_event","channel":"presence-a","event":"client-x","data":"{\"k\":\"王\"}","socket_id":"1.2","user_id":"7"},
            {"name":"cache_miss","channel":"cache-a"},
            {"name":"subscription_count","channel":"a","subscription_count":12},
            {"name":"brand_new_event","channel":"a","extra":{"deep":true}}]}
            """;
        var (bytes, sig) = Signed(body);
        var hook = Verifier.Verify("key", sig, bytes).Webhook!;
        Assert.Equal(8, hook.Events.Count);
        Assert.Equal(["channel_occupied", "channel_vacated", "member_added", "member_removed", "client_event", "cache_miss", "subscription_count", "brand_new_event"], hook.Events.Select(e => e.Name));
        Assert.Equal("7", hook.Events[2].UserId);
        Assert.Equal("7", hook.Events[3].UserId);
        var client = hook.Events[4];
        Assert.Equal(("client-x", "{\"k\":\"王\"}", "1.2", "7"), (client.Event, client.Data, client.SocketId, client.UserId));
        Assert.Equal(12, hook.Events[6].SubscriptionCount);
        Assert.Null(hook.Events[0].SubscriptionCount);
        Assert.Equal("{\"name\":\"brand_new_event\",\"channel\":\"a\",\"extra\":{\"deep\":true}}", hook.Events[7].RawJson);
    }

    [Fact]
    public void Escaped_lone_surrogates_in_a_webhook_are_read_not_rejected()
    {
        var (bytes, sig) = Signed("{\"time_ms\":1,\"events\":[{\"name\":\"member_added\",\"channel\":\"presence-a\",\"user_id\":\"x\\udfff\\n\"}]}");
        var result = Verifier.Verify("key", sig, bytes);
        Assert.True(result.IsValid, result.Reason);
        Assert.Equal("x\udfff\n", result.Webhook!.Events[0].UserId);
    }

    [Fact]
    public void Builder_output_round_trips_through_the_verifier()
    {
        var hook = new Webhook(1700000000123, [
            WebhookEvent.ChannelOccupied("private-a"),
            WebhookEvent.ChannelVacated("private-a"),
            WebhookEvent.MemberAdded("presence-a", "Zoë"),
            WebhookEvent.MemberRemoved("presence-a", "Zoë"),
            WebhookEvent.ClientEvent("presence-a", "client-x", "{\"t\":\"王 \u2028\"}", "1.2", "7"),
            WebhookEvent.CacheMiss("cache-a"),
            WebhookEvent.SubscriptionCountChanged("a", 3),
        ]);
        var json = hook.ToJson();
        Assert.StartsWith("{\"time_ms\":1700000000123,\"events\":[{\"name\":\"channel_occupied\",\"channel\":\"private-a\"},", json);
        Assert.Contains("{\"name\":\"client_event\",\"channel\":\"presence-a\",\"event\":\"client-x\",\"data\":\"{\\\"t\\\":\\\"王 \u2028\\\"}\",\"socket_id\":\"1.2\",\"user_id\":\"7\"}", json);
        var (bytes, sig) = Signed(json);
        var parsed = Verifier.Verify("key", sig, bytes).Webhook!;
        Assert.Equal(hook.TimeMs, parsed.TimeMs);
        Assert.Equal(hook.Events, parsed.Events);
    }

    [Fact]
    public void Encrypt_then_decrypt_round_trips_with_fresh_nonces()
    {
        var master = RandomNumberGenerator.GetBytes(32);
        const string data = "{\"message\":\"Zoë 王 😀\"}";
        var a = ChannelEncryption.Encrypt("private-encrypted-x", data, master);
        var b = ChannelEncryption.Encrypt("private-encrypted-x", data, master);
        Assert.NotEqual(a, b);
        Assert.Equal(data, ChannelEncryption.Decrypt("private-encrypted-x", a, master));
        Assert.Equal(data, ChannelEncryption.DecryptWithSharedSecret(b, ChannelEncryption.SharedSecret("private-encrypted-x", master)));
        // Another channel derives another key.
        Assert.Throws<CryptographicException>(() => ChannelEncryption.Decrypt("private-encrypted-y", a, master));
    }

    [Theory]
    [InlineData("nope")]
    [InlineData("{}")]
    [InlineData("{\"nonce\":\"AAAA\",\"ciphertext\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}")]
    [InlineData("{\"nonce\":\"sjklahvpWWQgAjTx5FfYHCCxd2AmaL9T\",\"ciphertext\":\"!!\"}")]
    [InlineData("{\"nonce\":\"sjklahvpWWQgAjTx5FfYHCCxd2AmaL9T\",\"ciphertext\":\"AAAA\"}")]
    public void Malformed_payloads_throw_CryptographicException(string payload)
    {
        Assert.Throws<CryptographicException>(() => ChannelEncryption.Decrypt("private-encrypted-x", payload, new byte[32]));
    }

    [Fact]
    public void Encrypt_requires_a_32_byte_master_key()
    {
        Assert.Throws<ChannelsValidationException>(() => ChannelEncryption.Encrypt("private-encrypted-x", "d", new byte[31]));
    }
}
