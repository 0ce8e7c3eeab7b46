using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace AdminConsole.Channels.Tests;

// The verifying side, as the local Pusher-protocol server uses it.
public class RequestVerificationTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
    private readonly FakeTimeProvider _time = new(Now);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"name\":\"e\",\"data\":\"Zoë\",\"channels\":[\"a\"]}");

    private RequestSigner Signer => new("key", "the-secret", _time);

    private List<KeyValuePair<string, string>> SignedQuery(byte[] body, params KeyValuePair<string, string>[] extra) =>
        Signer.Sign("POST", "/apps/1/events", extra, body).Parameters.ToList();

    private static List<KeyValuePair<string, string>> With(List<KeyValuePair<string, string>> q, string key, string? value)
    {
        var copy = q.Where(p => p.Key != key).ToList();
        if (value is not null) copy.Add(new(key, value));
        return copy;
    }

    [Fact]
    public void Accepts_what_it_signs()
    {
        var q = SignedQuery(Body, KeyValuePair.Create("info", "user_count,subscription_count"));
        var result = Signer.Verify("POST", "/apps/1/events", q, Body);
        Assert.True(result.IsValid);
        Assert.Equal(RequestVerificationFailure.None, result.Failure);
        Assert.Null(result.Reason);
    }

    [Fact]
    public void Accepts_any_key_case_and_order_and_method_case()
    {
        var q = SignedQuery(Body);
        q.Reverse();
        q = q.Select(p => new KeyValuePair<string, string>(p.Key.ToUpperInvariant(), p.Value)).ToList();
        Assert.True(Signer.Verify("post", "/apps/1/events", q, Body).IsValid);
    }

    [Fact]
    public void Get_without_body_needs_no_body_md5()
    {
        var q = Signer.Sign("GET", "/apps/1/channels", null, []).Parameters;
        Assert.DoesNotContain(q, p => p.Key == "body_md5");
        Assert.True(Signer.Verify("GET", "/apps/1/channels", q, []).IsValid);
    }

    [Fact]
    public void Names_each_failed_check()
    {
        var q = SignedQuery(Body);
        Assert.Equal(RequestVerificationFailure.MissingParameter, Signer.Verify("POST", "/apps/1/events", With(q, "auth_key", null), Body).Failure);
        Assert.Equal(RequestVerificationFailure.UnknownKey, Signer.Verify("POST", "/apps/1/events", With(q, "auth_key", "other"), Body).Failure);
        Assert.Equal(RequestVerificationFailure.BadVersion, Signer.Verify("POST", "/apps/1/events", With(q, "auth_version", "2.0"), Body).Failure);
        Assert.Equal(RequestVerificationFailure.BadVersion, Signer.Verify("POST", "/apps/1/events", With(q, "auth_version", null), Body).Failure);
        Assert.Equal(RequestVerificationFailure.TimestampExpired, Signer.Verify("POST", "/apps/1/events", With(q, "auth_timestamp", "abc"), Body).Failure);
        Assert.Equal(RequestVerificationFailure.BodyMd5Mismatch, Signer.Verify("POST", "/apps/1/events", q, Encoding.UTF8.GetBytes("{}")).Failure);
        Assert.Equal(RequestVerificationFailure.BodyMd5Mismatch, Signer.Verify("POST", "/apps/1/events", With(q, "body_md5", null), Body).Failure);
        Assert.Equal(RequestVerificationFailure.BadSignature, Signer.Verify("POST", "/apps/1/other", q, Body).Failure);
        Assert.Equal(RequestVerificationFailure.BadSignature, Signer.Verify("GET", "/apps/1/events", q, Body).Failure);
        Assert.Equal(RequestVerificationFailure.BadSignature, Signer.Verify("POST", "/apps/1/events", With(q, "auth_signature", null), Body).Failure);
        Assert.Equal(RequestVerificationFailure.BadSignature, Signer.Verify("POST", "/apps/1/events", q.Append(new("extra", "1")), Body).Failure);
    }

    [Fact]
    public void Timestamp_window_is_600_seconds_either_way()
    {
        var q = SignedQuery(Body);
        _time.Advance(TimeSpan.FromSeconds(599));
        Assert.True(Signer.Verify("POST", "/apps/1/events", q, Body).IsValid);
        _time.Advance(TimeSpan.FromSeconds(1));
        var expired = Signer.Verify("POST", "/apps/1/events", q, Body);
        Assert.Equal(RequestVerificationFailure.TimestampExpired, expired.Failure);
        Assert.Contains("not within 600s", expired.Reason);

        // A request from a clock 600 s ahead is refused too.
        var ahead = new RequestSigner("key", "the-secret", new FakeTimeProvider(_time.GetUtcNow() + TimeSpan.FromSeconds(600)));
        var future = ahead.Sign("POST", "/apps/1/events", null, Body).Parameters;
        Assert.Equal(RequestVerificationFailure.TimestampExpired, Signer.Verify("POST", "/apps/1/events", future, Body).Failure);
        var nearFuture = new RequestSigner("key", "the-secret", new FakeTimeProvider(_time.GetUtcNow() + TimeSpan.FromSeconds(599))).Sign("POST", "/apps/1/events", null, Body).Parameters;
        Assert.True(Signer.Verify("POST", "/apps/1/events", nearFuture, Body).IsValid);
    }

    [Fact]
    public void Bad_signature_reason_shows_what_to_sign_but_not_the_expected_signature_or_secret()
    {
        var q = SignedQuery(Body);
        var expected = q.First(p => p.Key == "auth_signature").Value;
        var result = Signer.Verify("POST", "/apps/1/other", q, Body);
        Assert.Contains("POST\\n/apps/1/other\\nauth_key=key", result.Reason);
        Assert.DoesNotContain(Crypto.HmacHex("the-secret", RequestSigner.BuildStringToSign("POST", "/apps/1/other", q)), result.Reason);
        Assert.DoesNotContain("the-secret", result.Reason);
        Assert.Contains(expected, result.Reason); // the signature the caller sent is echoed, as Pusher does
    }

    [Fact]
    public void Reserved_parameters_cannot_be_overridden()
    {
        foreach (var reserved in new[] { "auth_key", "auth_timestamp", "auth_version", "auth_signature", "body_md5", "Auth_Key" })
        {
            Assert.Throws<ChannelsValidationException>(() => Signer.Sign("GET", "/x", [new(reserved, "v")], []));
        }
    }

    [Fact]
    public void Escaped_query_keeps_commas_and_encodes_the_rest()
    {
        var signed = Signer.Sign("GET", "/apps/1/channels", [new("info", "user_count,subscription_count"), new("x", "a b&c=ë")], []);
        var escaped = signed.ToEscapedString();
        Assert.Contains("info=user_count,subscription_count", escaped);
        Assert.Contains("x=a%20b%26c%3D%C3%AB", escaped);
        Assert.EndsWith("&auth_signature=" + signed.Signature, escaped);
    }
}
