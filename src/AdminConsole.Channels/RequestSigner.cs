using System.Globalization;
using System.Text;

namespace AdminConsole.Channels;

/// <summary>Signs HTTP API requests (auth_version 1.0) and verifies signed requests, as Pusher's API does.</summary>
public sealed class RequestSigner
{
    /// <summary>The only signing scheme version Pusher defines.</summary>
    public const string AuthVersion = "1.0";

    /// <summary>How far a request's <c>auth_timestamp</c> may be from the verifier's clock.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(600);

    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "auth_key", "auth_timestamp", "auth_version", "auth_signature", "body_md5",
    };

    private readonly string _key;
    private readonly string _secret;
    private readonly TimeProvider _time;

    /// <summary>Creates a signer for one app key and secret; <paramref name="time"/> supplies <c>auth_timestamp</c> (system clock by default).</summary>
    public RequestSigner(string key, string secret, TimeProvider? time = null)
    {
        if (string.IsNullOrEmpty(key)) throw new ChannelsValidationException("key", "App key must not be empty.");
        if (string.IsNullOrEmpty(secret)) throw new ChannelsValidationException("secret", "App secret must not be empty.");
        _key = key;
        _secret = secret;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The app key this signer signs for.</summary>
    public string Key => _key;

    /// <summary>Signs a request: adds auth_key, auth_timestamp, auth_version, body_md5 (when the body is not empty) and auth_signature.</summary>
    /// <param name="method">HTTP method; upper-cased for signing.</param>
    /// <param name="path">The request path exactly as sent (e.g. <c>/apps/3/events</c>).</param>
    /// <param name="parameters">Extra query parameters (unescaped values); must not use the reserved auth_* or body_md5 keys.</param>
    /// <param name="body">The exact body bytes that will be sent.</param>
    public SignedQuery Sign(string method, string path, IEnumerable<KeyValuePair<string, string>>? parameters, ReadOnlySpan<byte> body)
    {
        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds();
        var all = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["auth_key"] = _key,
            ["auth_timestamp"] = timestamp.ToString(CultureInfo.InvariantCulture),
            ["auth_version"] = AuthVersion,
        };
        if (!body.IsEmpty) all["body_md5"] = Crypto.Md5Hex(body);
        if (parameters is not null)
        {
            foreach (var (rawKey, value) in parameters)
            {
                var key = rawKey.ToLowerInvariant();
                if (Reserved.Contains(key)) throw new ChannelsValidationException(rawKey, $"Query parameter {ChannelsValidationException.Show(rawKey)} is reserved for request signing.");
                all[key] = value ?? string.Empty;
            }
        }

        var sorted = all.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        var stringToSign = BuildStringToSign(method, path, sorted);
        var signature = Crypto.HmacHex(_secret, stringToSign);
        sorted.Add(new("auth_signature", signature));
        return new SignedQuery(sorted, signature, timestamp);
    }

    /// <summary>The string that auth_signature is computed over: <c>METHOD\nPATH\nk=v&amp;…</c> with lower-cased keys in ordinal order, values unescaped, auth_signature excluded.</summary>
    public static string BuildStringToSign(string method, string path, IEnumerable<KeyValuePair<string, string>> query)
    {
        var pairs = query
            .Where(p => !string.Equals(p.Key, "auth_signature", StringComparison.OrdinalIgnoreCase))
            .Select(p => new KeyValuePair<string, string>(p.Key.ToLowerInvariant(), p.Value ?? string.Empty))
            .OrderBy(p => p.Key, StringComparer.Ordinal);
        var sb = new StringBuilder();
        sb.Append(method.ToUpperInvariant()).Append('\n').Append(path).Append('\n');
        var first = true;
        foreach (var (k, v) in pairs)
        {
            if (!first) sb.Append('&');
            first = false;
            sb.Append(k).Append('=').Append(v);
        }
        return sb.ToString();
    }

    /// <summary>Verifies an incoming signed request (query values already URL-decoded) the way Pusher's API does.</summary>
    public RequestVerification Verify(string method, string path, IEnumerable<KeyValuePair<string, string>> query, ReadOnlySpan<byte> body)
    {
        var pairs = query.Select(p => new KeyValuePair<string, string>(p.Key.ToLowerInvariant(), p.Value ?? string.Empty)).ToList();
        string? Get(string name) => pairs.LastOrDefault(p => p.Key == name).Value;

        var key = Get("auth_key");
        if (string.IsNullOrEmpty(key)) return RequestVerification.Fail(RequestVerificationFailure.MissingParameter, "Missing auth_key.");
        if (!string.Equals(key, _key, StringComparison.Ordinal)) return RequestVerification.Fail(RequestVerificationFailure.UnknownKey, $"Unknown auth_key {ChannelsValidationException.Show(key)}.");

        var version = Get("auth_version");
        if (version != AuthVersion) return RequestVerification.Fail(RequestVerificationFailure.BadVersion, $"Unsupported auth_version {ChannelsValidationException.Show(version)}; expected \"1.0\".");

        var tsText = Get("auth_timestamp");
        if (!long.TryParse(tsText, NumberStyles.None, CultureInfo.InvariantCulture, out var ts))
        {
            return RequestVerification.Fail(RequestVerificationFailure.TimestampExpired, $"Invalid auth_timestamp {ChannelsValidationException.Show(tsText)}.");
        }
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        if (Math.Abs(now - ts) >= (long)MaxClockSkew.TotalSeconds)
        {
            return RequestVerification.Fail(RequestVerificationFailure.TimestampExpired,
                $"Timestamp expired: Given timestamp ({FormatTime(ts)}) not within {(long)MaxClockSkew.TotalSeconds}s of server time ({FormatTime(now)}).");
        }

        var md5 = Get("body_md5");
        if (!body.IsEmpty || md5 is not null)
        {
            var actual = Crypto.Md5Hex(body);
            if (md5 is null) return RequestVerification.Fail(RequestVerificationFailure.BodyMd5Mismatch, "Missing body_md5 for a request with a body.");
            if (!string.Equals(md5, actual, StringComparison.OrdinalIgnoreCase)) return RequestVerification.Fail(RequestVerificationFailure.BodyMd5Mismatch, "body_md5 does not match the MD5 of the request body.");
        }

        var signature = Get("auth_signature");
        var stringToSign = BuildStringToSign(method, path, pairs);
        if (!Crypto.FixedTimeEquals(Crypto.HmacHex(_secret, stringToSign), signature?.ToLowerInvariant()))
        {
            // Pusher's own wording: it shows the string to sign (not secret) so callers can debug, never the expected signature.
            return RequestVerification.Fail(RequestVerificationFailure.BadSignature,
                $"Invalid signature: you should have sent HmacSHA256Hex({JsJson.Quote(stringToSign)}, your_secret_key), but you sent {JsJson.Quote(signature ?? string.Empty)}.");
        }
        return RequestVerification.Success;
    }

    private static string FormatTime(long unix) =>
        DateTimeOffset.FromUnixTimeSeconds(unix).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

/// <summary>The signed query parameters of one request, in the order they are sent (auth_signature last).</summary>
public sealed class SignedQuery
{
    internal SignedQuery(IReadOnlyList<KeyValuePair<string, string>> parameters, string signature, long timestamp)
    {
        Parameters = parameters;
        Signature = signature;
        Timestamp = timestamp;
    }

    /// <summary>All parameters, sorted by key, auth_signature appended last.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; }

    /// <summary>The auth_signature value (lower-case hex).</summary>
    public string Signature { get; }

    /// <summary>The auth_timestamp used (Unix seconds).</summary>
    public long Timestamp { get; }

    /// <summary>The query string with raw values, as the npm library builds it (what was signed, plus the signature).</summary>
    public override string ToString() => string.Join("&", Parameters.Select(p => p.Key + "=" + p.Value));

    /// <summary>The query string with values percent-encoded for a URL (commas and other safe characters kept, as Pusher's libraries send them).</summary>
    public string ToEscapedString() => string.Join("&", Parameters.Select(p => Escape(p.Key) + "=" + Escape(p.Value)));

    private static string Escape(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~' or ',' or ':' or '@') sb.Append(c);
            else sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}

/// <summary>Which check an incoming signed request failed.</summary>
public enum RequestVerificationFailure
{
    /// <summary>The request is valid.</summary>
    None,
    /// <summary>A required auth parameter is missing.</summary>
    MissingParameter,
    /// <summary><c>auth_key</c> is not the app's key.</summary>
    UnknownKey,
    /// <summary><c>auth_version</c> is not <c>1.0</c>.</summary>
    BadVersion,
    /// <summary><c>auth_timestamp</c> is invalid or not within 600 s of the server clock.</summary>
    TimestampExpired,
    /// <summary><c>body_md5</c> is missing for a body or does not match it.</summary>
    BodyMd5Mismatch,
    /// <summary><c>auth_signature</c> is missing or wrong.</summary>
    BadSignature,
}

/// <summary>Outcome of <see cref="RequestSigner.Verify"/>: valid, or the failed check and a reason safe to return to the caller (HTTP 401).</summary>
public sealed record RequestVerification(bool IsValid, RequestVerificationFailure Failure, string? Reason)
{
    /// <summary>The valid result.</summary>
    public static readonly RequestVerification Success = new(true, RequestVerificationFailure.None, null);

    internal static RequestVerification Fail(RequestVerificationFailure failure, string reason) => new(false, failure, reason);
}
