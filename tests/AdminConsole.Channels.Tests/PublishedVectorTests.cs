using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace AdminConsole.Channels.Tests;

// Published test vectors, copied verbatim from their sources:
// - V1, P1, R1, U1: Pusher's documentation, https://pusher.com/docs/channels/library_auth_reference/rest-api/
//   (worked authentication example) and https://pusher.com/docs/channels/library_auth_reference/auth-signatures/;
// - V2, R2, W1, E4, S1 and the Go fixtures: pusher-http-go's tests (request_url_test.go, channel_authentication_test.go,
//   webhook_test.go, crypto_test.go);
// - V3, P2, R5, R6, U2, U5, W4, E1: pusher-http-node's tests (create_signed_query_string.js, authenticate.js, webhook.js).
// Webhook signatures follow https://pusher.com/docs/channels/server_api/webhooks/.
public class PublishedVectorTests
{
    private static RequestSigner SignerAt(string key, string secret, long unix) =>
        new(key, secret, new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(unix)));

    [Fact]
    public void V1_docs_worked_example()
    {
        var body = Encoding.UTF8.GetBytes("{\"name\":\"foo\",\"channels\":[\"project-3\"],\"data\":\"{\\\"some\\\":\\\"data\\\"}\"}");
        var signed = SignerAt("278d425bdf160c739803", "7ad3773142a6692b25b8", 1353088179).Sign("POST", "/apps/3/events", null, body);

        Assert.Equal("auth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0&body_md5=ec365a775a4cd0599faeb73354201b6f&auth_signature=da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c", signed.ToString());
        Assert.Equal("POST\n/apps/3/events\nauth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0&body_md5=ec365a775a4cd0599faeb73354201b6f",
            RequestSigner.BuildStringToSign("post", "/apps/3/events", signed.Parameters));
    }

    [Theory]
    [InlineData("/apps/102015/channels", "filter_by_prefix=presence-&info=user_count", 1427034994, "4d8a02edcc8a758b0162cd6da690a9a45fb8ae326a276dca1e06a0bc42796c11")]
    [InlineData("/apps/102015/channels", "filter_by_prefix=presence-", 1427036577, "b540383af4582af5fbb5df7be5472d54bd0838c9c2021c7743062568839e6f97")]
    [InlineData("/apps/102015/channels", "", 1427036787, "df89248f87f6e6d028925e0b04d60f316527a865992ace6936afa91281d8bef0")]
    [InlineData("/apps/102015/channels/presence-session-d41a439c438a100756f5-4bf35003e819bb138249-ROpCFmgFhXY", "info=user_count,subscription_count", 1427053326, "f93ceb31f396aef336226efe512aaf339bd5e39c7c2c04b81cc8681dc16ee785")]
    [InlineData("/apps/102015/channels/presence-session-d41a439c438a100756f5-4bf35003e819bb138249-nYJLy67qh52/users", "", 1427053709, "207feaf4e8efeb24e5f148011704251bf90e2059a5f97a3eb52d06178b11feca")]
    public void V2_get_vectors(string path, string extra, long timestamp, string expected)
    {
        var parameters = extra.Length == 0 ? [] : extra.Split('&').Select(p => p.Split('=', 2)).Select(p => new KeyValuePair<string, string>(p[0], p[1])).ToArray();
        var signed = SignerAt("d41a439c438a100756f5", "4bf35003e819bb138249", timestamp).Sign("GET", path, parameters, []);
        Assert.Equal(expected, signed.Signature);
        Assert.DoesNotContain(signed.Parameters, p => p.Key == "body_md5");
    }

    [Fact]
    public void V3_node_vectors()
    {
        var signer = SignerAt("f00d", "tofu", 1234567890);
        var withBody = signer.Sign("GET", "/event", null, Encoding.UTF8.GetBytes("example body"));
        Assert.Contains(new KeyValuePair<string, string>("body_md5", "165d5e6d7ca8f73b3853ce45addf42fc"), withBody.Parameters);
        Assert.Equal("a650196dc427ebe837226f8565ca9232198c6d1b9455eaa72374a9dc0b620e7b", withBody.Signature);

        var withParams = signer.Sign("GET", "/event", [new("foo", "bar"), new("baz", "123454321")], []);
        Assert.Equal("d8bdbd31911fb7400a14fbd36fd7de053494725b64400ae5856deafe304b34a9", withParams.Signature);
        Assert.Equal("auth_key=f00d&auth_timestamp=1234567890&auth_version=1.0&baz=123454321&foo=bar&auth_signature=d8bdbd31911fb7400a14fbd36fd7de053494725b64400ae5856deafe304b34a9", withParams.ToString());
    }

    [Fact]
    public void Primitive_hmac_and_md5()
    {
        Assert.Equal("64e3f44166575febbc5de88c9476325ea7d4b3684752158d9fdb31fce34b980d", new WebhookSigner("supersecret").Sign("Hello!"));
        var signed = SignerAt("k", "s", 1).Sign("POST", "/x", null, "Hello!"u8);
        Assert.Contains(new KeyValuePair<string, string>("body_md5", "952d2c56d0485958336747bcdd98590d"), signed.Parameters);
    }

    [Theory]
    [InlineData("278d425bdf160c739803", "7ad3773142a6692b25b8", "1234.1234", "private-foobar", "278d425bdf160c739803:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4")]
    [InlineData("aaaa", "tofu", "123.456", "test", "aaaa:efa6cf7644a0b35cba36aa0f776f3cbf7bb60e95ea2696bde1dbe8403b61bd7c")]
    [InlineData("aaaa", "tofu", "321.654", "test", "aaaa:f6ecb0a17d3e4f68aca28f1673197a7608587c09deb0208faa4b5519aee0a777")]
    [InlineData("11111", "1", "123.456", "test", "11111:584828bd6e80b2d177d2b28fde07b8e170abf87ccb5a791a50c933711fb8eb28")]
    [InlineData("11111", "2", "123.456", "test", "11111:269bbf3f7625db4e0d0525b617efa5915c3ae667fd222dc8e4cb94bc531f26f2")]
    public void P_private_channel_vectors(string key, string secret, string socketId, string channel, string expected)
    {
        var auth = new SubscriptionSigner(key, secret).AuthorizeChannel(socketId, channel);
        Assert.Equal(expected, auth.Auth);
        Assert.Null(auth.ChannelData);
        Assert.Null(auth.SharedSecret);
        Assert.Equal($"{{\"auth\":\"{expected}\"}}", auth.ToJson());
    }

    [Fact]
    public void P1_serializes_as_the_go_library_expects()
    {
        var auth = new SubscriptionSigner("278d425bdf160c739803", "7ad3773142a6692b25b8").AuthorizeChannel("1234.1234", "private-foobar");
        Assert.Equal("{\"auth\":\"278d425bdf160c739803:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4\"}", System.Text.Json.JsonSerializer.Serialize(auth));
    }

    [Theory]
    [InlineData("278d425bdf160c739803", "7ad3773142a6692b25b8", "1234.1234", "presence-foobar", "{\"user_id\":10,\"user_info\":{\"name\":\"Mr. Pusher\"}}", "afaed3695da2ffd16931f457e338e6c9f2921fa133ce7dac49f529792be6304c")]
    [InlineData("278d425bdf160c739803", "7ad3773142a6692b25b8", "1234.1234", "presence-foobar", "{\"user_id\":\"10\",\"user_info\":{\"name\":\"Mr. Pusher\"}}", "48dac51d2d7569e1e9c0f48c227d4b26f238fa68e5c0bb04222c966909c4f7c4")]
    [InlineData("aaaa", "tofu", "1.1", "test", "\"ą§¶™€łü€ß£\"", "2a229263e89d9c50524fd80c2e88be2843379f6931e28995e2cc214282c9db0c")]
    [InlineData("aaaa", "tofu", "123.456", "test", "{\"foo\":\"bar\"}", "f41faf9ead2ea76772cc6b1168363057459f02499ae4d92e88229dc7f4efa2d4")]
    public void R_presence_vectors_signed_over_raw_channel_data(string key, string secret, string socketId, string channel, string channelData, string expected)
    {
        var auth = new SubscriptionSigner(key, secret).AuthorizeChannel(socketId, channel, channelData);
        Assert.Equal($"{key}:{expected}", auth.Auth);
        Assert.Equal(channelData, auth.ChannelData);
    }

    [Fact]
    public void R2_built_by_AuthorizePresence_serializes_user_id_as_string()
    {
        var auth = new SubscriptionSigner("278d425bdf160c739803", "7ad3773142a6692b25b8")
            .AuthorizePresence("1234.1234", "presence-foobar", "10", new { name = "Mr. Pusher" });
        Assert.Equal("{\"user_id\":\"10\",\"user_info\":{\"name\":\"Mr. Pusher\"}}", auth.ChannelData);
        Assert.Equal("278d425bdf160c739803:48dac51d2d7569e1e9c0f48c227d4b26f238fa68e5c0bb04222c966909c4f7c4", auth.Auth);
        Assert.Equal("{\"auth\":\"278d425bdf160c739803:48dac51d2d7569e1e9c0f48c227d4b26f238fa68e5c0bb04222c966909c4f7c4\",\"channel_data\":\"{\\\"user_id\\\":\\\"10\\\",\\\"user_info\\\":{\\\"name\\\":\\\"Mr. Pusher\\\"}}\"}", auth.ToJson());
    }

    [Fact]
    public void R1_docs_erratum_mr_channels_gives_the_other_signature()
    {
        var auth = new SubscriptionSigner("278d425bdf160c739803", "7ad3773142a6692b25b8")
            .AuthorizeChannel("1234.1234", "presence-foobar", "{\"user_id\":10,\"user_info\":{\"name\":\"Mr. Channels\"}}");
        Assert.Equal("278d425bdf160c739803:31935e7d86dba64c2a90aed31fdc61869f9b22ba9d8863bba239c03ca481bc80", auth.Auth);
    }

    [Theory]
    [InlineData("278d425bdf160c739803", "7ad3773142a6692b25b8", "1234.1234", "{\"id\":\"12345\"}", "4708d583dada6a56435fb8bc611c77c359a31eebde13337c16ab43aa6de336ba")]
    [InlineData("aaaa", "tofu", "123.456", "{\"id\":\"45678\"}", "f4b1fdeea7c93e32648c7230e32b172057c5623cace6cfce791c6e7035e0babd")]
    [InlineData("1234", "tofu", "123.456", "{\"id\":\"45678\"}", "f4b1fdeea7c93e32648c7230e32b172057c5623cace6cfce791c6e7035e0babd")]
    [InlineData("abcdef", "tofu", "123.456", "{\"id\":\"45678\"}", "f4b1fdeea7c93e32648c7230e32b172057c5623cace6cfce791c6e7035e0babd")]
    [InlineData("aaaa", "tofu", "123.456", "{\"id\":\"55555\",\"user_name\":\"test\"}", "b8a9f173455903792ae2b788add0c4c78ad7372b3ae7fb5769479276a1993743")]
    [InlineData("11111", "1", "123.456", "{\"id\":\"45678\"}", "79bddf29fe8e2153dd5d8d569b3f45e5aeb26ae2eb4758879d844791b466cfa2")]
    [InlineData("11111", "2", "123.456", "{\"id\":\"45678\"}", "a542498ffa6faf6de7c17a8106b923c042319bd73acfd1d274df32e269b55d1f")]
    [InlineData("aaaa", "tofu", "1.1", "{\"id\":\"ą§¶™€łü€ß£\"}", "620494cee53d6c568b49598313194088afda37218f0d059af03c0c898ed61ff4")]
    public void U_user_sign_in_vectors(string key, string secret, string socketId, string userData, string expected)
    {
        var auth = new SubscriptionSigner(key, secret).AuthenticateUserData(socketId, userData);
        Assert.Equal($"{key}:{expected}", auth.Auth);
        Assert.Equal(userData, auth.UserData);
    }

    [Fact]
    public void U1_and_U5_built_from_the_user_id()
    {
        var u1 = new SubscriptionSigner("278d425bdf160c739803", "7ad3773142a6692b25b8").AuthenticateUser("1234.1234", "12345");
        Assert.Equal("278d425bdf160c739803:4708d583dada6a56435fb8bc611c77c359a31eebde13337c16ab43aa6de336ba", u1.Auth);
        Assert.Equal("{\"auth\":\"278d425bdf160c739803:4708d583dada6a56435fb8bc611c77c359a31eebde13337c16ab43aa6de336ba\",\"user_data\":\"{\\\"id\\\":\\\"12345\\\"}\"}", u1.ToJson());

        var u5 = new SubscriptionSigner("aaaa", "tofu").AuthenticateUser("1.1", "ą§¶™€łü€ß£");
        Assert.Equal("{\"id\":\"ą§¶™€łü€ß£\"}", u5.UserData);
        Assert.Equal("aaaa:620494cee53d6c568b49598313194088afda37218f0d059af03c0c898ed61ff4", u5.Auth);
    }

    [Fact]
    public void W1_and_W4_webhook_signatures_verify()
    {
        Assert.Equal("2677ad3e7c090b2fa2c0fb13020d66d5420879b8316eb356a2d60fb9073bc778", new WebhookSigner("secret").Sign("{\"hello\":\"world\"}"));

        var w4 = "{\"time_ms\":1403175510755,\"events\":[{\"channel\":\"test_channel\",\"name\":\"channel_vacated\"}]}"u8.ToArray();
        const string sig = "c17257e92037cd7de407ebc1ed174ceb7b2e518db127f44411b9ffc4f5b28cc5";
        Assert.Equal(sig, new WebhookSigner("tofu").Sign(w4));
        var result = new WebhookVerifier("123456789", "tofu").Verify("123456789", sig, w4);
        Assert.True(result.IsValid);
        var ev = Assert.Single(result.Webhook!.Events);
        Assert.Equal(("channel_vacated", "test_channel"), (ev.Name, ev.Channel));
        Assert.Equal(1403175510755, result.Webhook.TimeMs);
    }

    [Fact]
    public void W4_rejections_and_rotation()
    {
        var w4 = "{\"time_ms\":1403175510755,\"events\":[{\"channel\":\"test_channel\",\"name\":\"channel_vacated\"}]}"u8.ToArray();
        const string sig = "c17257e92037cd7de407ebc1ed174ceb7b2e518db127f44411b9ffc4f5b28cc5";
        var verifier = new WebhookVerifier("123456789", "tofu");
        Assert.Equal(WebhookFailure.UnknownKey, verifier.Verify("000", sig, w4).Failure);
        Assert.Equal(WebhookFailure.BadSignature, verifier.Verify("123456789", "000", w4).Failure);
        Assert.Equal(WebhookFailure.BadSignature, verifier.Verify("123456789", "potato", w4).Failure);

        var rotated = new WebhookVerifier("1", "nope", [new("2", "not really"), new("3", "tofu")]);
        Assert.True(rotated.Verify("3", sig, w4).IsValid);
        Assert.Equal(WebhookFailure.BadSignature, rotated.Verify("1", sig, w4).Failure);
    }

    [Fact]
    public void Go_webhook_parse_fixture()
    {
        var hook = Webhook.Parse("{\"time_ms\":1427233518933,\"events\":[{\"name\":\"client_event\",\"channel\":\"private-channel\",\"event\":\"client-yolo\",\"data\":\"{\\\"yolo\\\":\\\"woot\\\"}\",\"socket_id\":\"44610.7511910\"}]}");
        var ev = Assert.Single(hook.Events);
        Assert.Equal("client_event", ev.Name);
        Assert.Equal("private-channel", ev.Channel);
        Assert.Equal("client-yolo", ev.Event);
        Assert.Equal("{\"yolo\":\"woot\"}", ev.Data);
        Assert.Equal("44610.7511910", ev.SocketId);
        Assert.Null(ev.UserId);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1427233518933), hook.Time);
    }

    [Fact]
    public void E1_encrypted_channel_authorization()
    {
        var master = Convert.FromBase64String("zyrm8pvV2C9fJcBfhyXzvxbJVN/H7QLmbe0xJi1GhPU=");
        var signer = new SubscriptionSigner("f00d", "tofu", master);

        var enc = signer.AuthorizeChannel("123.456", "private-encrypted-bla", "\"foo\"");
        Assert.Equal("nlr49ISQHz91yS3cy/yWmW8wFMNeTnNL5tNHnbPJcLQ=", enc.SharedSecret);
        Assert.Equal("f00d:962c48b78bf93d98ff4c92ee7dff04865821455b7b401e9d60a9e0a90af2c105", enc.Auth);
        Assert.Equal("\"foo\"", enc.ChannelData);

        var plain = signer.AuthorizeChannel("123.456", "bla", "\"foo\"");
        Assert.Equal("f00d:013ad3da0d88e0df6ae0a8184bef50b9c3933f2344499e6e3d1ad67fad799e20", plain.Auth);
        Assert.Null(plain.SharedSecret);

        var fromOptions = new SubscriptionSigner(new ChannelsOptions { AppId = "1", Key = "f00d", Secret = "tofu", EncryptionMasterKeyBase64 = "zyrm8pvV2C9fJcBfhyXzvxbJVN/H7QLmbe0xJi1GhPU=" });
        Assert.Equal(enc, fromOptions.AuthorizeChannel("123.456", "private-encrypted-bla", "\"foo\""));
        Assert.Equal("nlr49ISQHz91yS3cy/yWmW8wFMNeTnNL5tNHnbPJcLQ=", ChannelEncryption.SharedSecretBase64("private-encrypted-bla", master));
    }

    [Fact]
    public void E1_is_not_the_PusherServer_hmac_derivation()
    {
        var master = Convert.FromBase64String("zyrm8pvV2C9fJcBfhyXzvxbJVN/H7QLmbe0xJi1GhPU=");
        var hmac = Convert.ToBase64String(HMACSHA256.HashData(master, Encoding.UTF8.GetBytes("private-encrypted-bla")));
        Assert.Equal("TNpgjHZ8vX5Cfquvu2FS33SBpkuIYc+TRM7eSw4gCYI=", hmac);
        Assert.NotEqual(hmac, ChannelEncryption.SharedSecretBase64("private-encrypted-bla", master));
    }

    [Fact]
    public void E4_go_shared_secret_with_a_33_byte_key()
    {
        var key = Encoding.ASCII.GetBytes("This is a string that is 32 chars");
        Assert.Equal(33, key.Length);
        Assert.Equal("004831f99d2a4e86723e893caded3a2897deeddbed9514fe9497dcddc52bd50b", Convert.ToHexStringLower(ChannelEncryption.SharedSecret("private-encrypted-bla", key)));
    }

    [Fact]
    public void S1_secretbox_vector_decrypts_and_wrong_key_fails()
    {
        const string payload = "{\"nonce\":\"sjklahvpWWQgAjTx5FfYHCCxd2AmaL9T\",\"ciphertext\":\"zoDEe8dA3nDXKsybAWce/hXGW4szJw==\"}";
        var shared = ChannelEncryption.SharedSecret("private-encrypted-bla", Encoding.ASCII.GetBytes("This is a string that is 32 chars"));
        Assert.Equal("Hello!", ChannelEncryption.DecryptWithSharedSecret(payload, shared));
        Assert.Equal("Hello!", ChannelEncryption.Decrypt("private-encrypted-bla", payload, Encoding.ASCII.GetBytes("This is a string that is 32 chars")));

        Assert.Throws<CryptographicException>(() => ChannelEncryption.Decrypt("private-encrypted-bla", payload, Encoding.ASCII.GetBytes("This is an invalid key 32 chars!!")));
    }

    [Fact]
    public void Go_format_message_key_order()
    {
        Assert.Equal("{\"nonce\":\"a\",\"ciphertext\":\"b\"}", ChannelEncryption.FormatPayload("a", "b"));
    }
}
