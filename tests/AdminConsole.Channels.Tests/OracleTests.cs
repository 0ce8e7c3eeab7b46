using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace AdminConsole.Channels.Tests;

/// <summary>Random inputs for every signature kind, computed by us and, in one node run, by the official npm libraries.</summary>
public sealed class OracleFixture : IAsyncLifetime
{
    /// <summary>Inputs per signature kind.</summary>
    public const int PerKind = 1000;

    /// <summary>Fixed so a mismatch can be reproduced; change it to explore more inputs.</summary>
    public const int Seed = 20261126;

    private readonly Random _random = new(Seed);

    public JsonArray Private { get; } = [];
    public JsonArray Encrypted { get; } = [];
    public JsonArray Presence { get; } = [];
    public JsonArray User { get; } = [];
    public JsonArray Shared { get; } = [];
    public JsonArray WebhookSign { get; } = [];
    public JsonArray WebhookVerify { get; } = [];
    public List<bool> WebhookVerifyExpected { get; } = [];
    public JsonArray Query { get; } = [];
    public JsonArray Decrypt { get; } = [];
    public JsonArray Encrypt { get; } = [];
    public JsonArray Accepts { get; } = [];
    public JsonObject Output { get; private set; } = [];

    public async Task InitializeAsync()
    {
        for (var i = 0; i < PerKind; i++)
        {
            var key = Gen.Key(_random);
            var secret = Gen.Secret(_random);
            // Some private items carry raw channel_data, which the npm library signs after JSON.stringify of a string value.
            var withData = _random.Next(4) == 0;
            Private.Add(new JsonObject
            {
                ["key"] = key, ["secret"] = secret, ["socketId"] = Gen.SocketId(_random),
                ["channel"] = Gen.Channel(_random, Gen.Pick(_random, "private-", "private-cache-", "presence-", "", "cache-")),
                // The npm library drops falsy channel data (""), so empty data is not a comparable input.
                ["channelData"] = withData ? "d" + Gen.Text(_random, 30) : null,
            });

            Encrypted.Add(new JsonObject
            {
                ["key"] = Gen.Key(_random), ["secret"] = Gen.Secret(_random), ["socketId"] = Gen.SocketId(_random),
                ["channel"] = Gen.Channel(_random, Gen.Pick(_random, "private-encrypted-", "private-encrypted-cache-")),
                ["masterKeyBase64"] = Convert.ToBase64String(Gen.Bytes(_random, 32)),
            });

            Presence.Add(new JsonObject
            {
                ["key"] = Gen.Key(_random), ["secret"] = Gen.Secret(_random), ["socketId"] = Gen.SocketId(_random),
                ["channel"] = Gen.Channel(_random, Gen.Pick(_random, "presence-", "presence-cache-")),
                ["userId"] = Gen.UserId(_random),
                ["userInfo"] = _random.Next(8) == 0 ? null : Gen.Json(_random, 2),
            });

            User.Add(new JsonObject
            {
                ["key"] = Gen.Key(_random), ["secret"] = Gen.Secret(_random), ["socketId"] = Gen.SocketId(_random),
                ["userId"] = Gen.UserId(_random),
                ["userInfo"] = _random.Next(8) == 0 ? null : Gen.Json(_random, 2),
                ["watchlist"] = _random.Next(3) == 0 ? new JsonArray(Enumerable.Range(0, _random.Next(4)).Select(_ => (JsonNode?)Gen.UserId(_random)).ToArray()) : null,
            });

            Shared.Add(new JsonObject
            {
                ["channel"] = Gen.Channel(_random, "private-encrypted-"),
                ["masterKeyBase64"] = Convert.ToBase64String(Gen.Bytes(_random, 32)),
            });

            var body = Gen.WebhookBody(_random);
            WebhookSign.Add(new JsonObject { ["secret"] = Gen.Secret(_random), ["body"] = body });

            // A quarter of our webhooks are tampered with or sent with a rotated-out key, so both answers get checked.
            var whKey = Gen.Key(_random);
            var whSecret = Gen.Secret(_random);
            var hookBody = Gen.WebhookBody(_random);
            var signature = new WebhookSigner(whSecret).Sign(hookBody);
            var variant = _random.Next(8);
            var item = new JsonObject { ["key"] = whKey, ["secret"] = whSecret, ["headerKey"] = whKey, ["signature"] = signature, ["body"] = hookBody };
            var expected = true;
            if (variant == 0) { item["body"] = hookBody.Replace("\"time_ms\":", "\"time_ms\":1", StringComparison.Ordinal); expected = false; }
            if (variant == 1) { item["headerKey"] = whKey + "x"; expected = false; }
            if (variant == 2)
            {
                // Signed by a rotated token: valid only because the extra token is configured.
                item["key"] = "primary-" + whKey;
                item["secret"] = "primary-secret";
                item["extraTokens"] = new JsonArray(new JsonObject { ["key"] = whKey, ["secret"] = whSecret });
            }
            WebhookVerify.Add(item);
            WebhookVerifyExpected.Add(expected);

            var parameters = new JsonObject();
            for (var p = _random.Next(5); p > 0; p--)
            {
                var name = Gen.ParamName(_random);
                if (!parameters.ContainsKey(name)) parameters[name] = Gen.QueryValue(_random);
            }
            Query.Add(new JsonObject
            {
                ["key"] = Gen.Key(_random), ["secret"] = Gen.Secret(_random),
                ["method"] = Gen.Pick(_random, "GET", "POST", "post", "DELETE"),
                ["path"] = "/apps/" + _random.Next(1, 1_000_000) + Gen.Pick(_random, "/events", "/batch_events", "/channels", "/channels/" + Gen.Channel(_random, "presence-"), "/users/u" + _random.Next(1000) + "/terminate_connections"),
                ["params"] = parameters,
                ["body"] = _random.Next(3) == 0 ? "" : JsJson.Stringify(Gen.Json(_random, 2)),
                // The npm library truncates Date.now()/1000 to int32 (`| 0`), so it is only defined before 2038.
                ["timestamp"] = _random.NextInt64(1_000_000_000, int.MaxValue),
            });

            var encChannel = Gen.Channel(_random, "private-encrypted-");
            var master = Gen.Bytes(_random, 32);
            var data = JsJson.Stringify(Gen.Json(_random, 2));
            Decrypt.Add(new JsonObject
            {
                ["channel"] = encChannel, ["masterKeyBase64"] = Convert.ToBase64String(master),
                ["plaintext"] = data, ["payload"] = ChannelEncryption.Encrypt(encChannel, data, master),
            });
            Encrypt.Add(new JsonObject
            {
                ["channel"] = Gen.Channel(_random, "private-encrypted-"),
                ["masterKeyBase64"] = Convert.ToBase64String(Gen.Bytes(_random, 32)),
                ["data"] = Gen.Json(_random, 2),
            });

            Accepts.Add(new JsonObject { ["socketId"] = Gen.MaybeSocketId(_random), ["channel"] = Gen.MaybeChannel(_random) });
        }

        var input = new JsonObject
        {
            ["private"] = Clone(new JsonArray(Private.Concat(Encrypted).Select(n => n!.DeepClone()).ToArray()), item =>
            {
                // The npm library takes channel data as a value and JSON.stringifies it: pass it the string's value.
                if (item["channelData"] is JsonValue v) item["channelData"] = v.GetValue<string>();
            }),
            ["presence"] = Presence.DeepClone(),
            ["user"] = User.DeepClone(),
            ["shared"] = Shared.DeepClone(),
            ["webhookSign"] = WebhookSign.DeepClone(),
            ["webhookVerify"] = WebhookVerify.DeepClone(),
            ["query"] = Query.DeepClone(),
            ["decrypt"] = Decrypt.DeepClone(),
            ["encrypt"] = Encrypt.DeepClone(),
            ["accepts"] = Accepts.DeepClone(),
        };
        Output = await NodeOracle.RunAsync(input);
    }

    private static JsonArray Clone(JsonArray array, Action<JsonObject> edit)
    {
        foreach (var item in array) edit(item!.AsObject());
        return array;
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>Random input generators biased towards the characters that break naive JSON and signing code.</summary>
internal static class Gen
{
    private const string ChannelChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=@,.;";

    // Each piece is a trap for some serializer: non-ASCII, astral, JS-vs-.NET escaping differences, controls, lone surrogates.
    private static readonly string[] Pieces =
    [
        "a", "Z", "0", " ", "Zoë", "王", "😀", "\u2028", "\u2029", "<", ">", "&", "'", "+", "\"", "\\", "/", "\n", "\t", "\r", "\b", "\f",
        "\u0000", "\u001f", "\u007f", "\u0080", "\u00a0", "é", "e\u0301", "\ufeff", "\uffff", "ą§¶™€łü€ß£", "\ud800", "\udfff", "\ud83d", "=", "&", ":", "%20", "#",
    ];

    public static string Pick(Random r, params string[] options) => options[r.Next(options.Length)];

    public static byte[] Bytes(Random r, int count)
    {
        var bytes = new byte[count];
        r.NextBytes(bytes);
        return bytes;
    }

    public static string Text(Random r, int maxPieces, bool loneSurrogates = true)
    {
        var sb = new StringBuilder();
        for (var n = r.Next(maxPieces + 1); n > 0; n--)
        {
            var piece = Pieces[r.Next(Pieces.Length)];
            if (!loneSurrogates && piece.Length == 1 && char.IsSurrogate(piece[0])) continue;
            sb.Append(piece);
        }
        return sb.ToString();
    }

    public static string Key(Random r) => new(Enumerable.Range(0, r.Next(1, 21)).Select(_ => "abcdef0123456789"[r.Next(16)]).ToArray());

    // Secrets are HMAC keys as UTF-8; lone surrogates would not survive UTF-8 in either runtime, so they are left out.
    public static string Secret(Random r)
    {
        var s = r.Next(3) == 0 ? Text(r, 6, loneSurrogates: false) : Convert.ToHexStringLower(Bytes(r, 10));
        return s.Length == 0 ? "s" : s;
    }

    public static string SocketId(Random r) => $"{r.NextInt64(0, 10_000_000_000)}.{r.NextInt64(0, 10_000_000_000)}";

    public static string Channel(Random r, string prefix)
    {
        var length = r.Next(1, Math.Min(40, ChannelName.MaxLength - prefix.Length) + 1);
        if (r.Next(50) == 0) length = ChannelName.MaxLength - prefix.Length;
        return prefix + new string(Enumerable.Range(0, length).Select(_ => ChannelChars[r.Next(ChannelChars.Length)]).ToArray());
    }

    public static string UserId(Random r)
    {
        var id = Text(r, 5);
        if (id.Length == 0 || id.Length > 128) id = "u" + r.Next(100000);
        return id;
    }

    public static string ParamName(Random r) => new(Enumerable.Range(0, r.Next(1, 12)).Select(_ => "abcdefghijklmnopqrstuvwxyz_"[r.Next(27)]).ToArray());

    public static string QueryValue(Random r) => Text(r, 4, loneSurrogates: false);

    public static double Number(Random r) => r.Next(10) switch
    {
        0 => Pick(r, "1e21", "1e-7", "0.1", "-0", "9007199254740993", "123456789012345680000", "5e-324", "1.7976931348623157e308", "1e16", "0.000001") is var s ? double.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : 0,
        1 or 2 => r.Next(-1000, 1000),
        3 => r.NextInt64(),
        _ => (r.NextDouble() - 0.5) * Math.Pow(10, r.Next(-12, 26)),
    };

    public static JsonNode? Json(Random r, int depth)
    {
        var kind = r.Next(depth > 0 ? 7 : 5);
        switch (kind)
        {
            case 0: return JsonValue.Create(Text(r, 6));
            case 1: return JsonValue.Create(Number(r));
            case 2: return JsonValue.Create(r.Next(2) == 0);
            case 3: return null;
            case 4: return JsonValue.Create(Text(r, 3));
            case 5:
                return new JsonArray(Enumerable.Range(0, r.Next(4)).Select(_ => Json(r, depth - 1)).ToArray());
            default:
                var obj = new JsonObject();
                for (var n = r.Next(5); n > 0; n--)
                {
                    var key = r.Next(6) == 0 ? r.Next(0, 20).ToString(System.Globalization.CultureInfo.InvariantCulture) : Text(r, 3);
                    if (!obj.ContainsKey(key)) obj[key] = Json(r, depth - 1);
                }
                return obj;
        }
    }

    public static string WebhookBody(Random r)
    {
        var events = new List<WebhookEvent>();
        for (var n = r.Next(1, 4); n > 0; n--)
        {
            var channel = Channel(r, Pick(r, "", "private-", "presence-", "cache-"));
            events.Add(r.Next(7) switch
            {
                0 => WebhookEvent.ChannelOccupied(channel),
                1 => WebhookEvent.ChannelVacated(channel),
                2 => WebhookEvent.MemberAdded(channel, UserId(r)),
                3 => WebhookEvent.MemberRemoved(channel, UserId(r)),
                4 => WebhookEvent.ClientEvent(channel, "client-" + Text(r, 3), JsJson.Stringify(Json(r, 2)), SocketId(r), r.Next(2) == 0 ? UserId(r) : null),
                5 => WebhookEvent.CacheMiss(channel),
                _ => WebhookEvent.SubscriptionCountChanged(channel, r.Next(100000)),
            });
        }
        return new Webhook(r.NextInt64(1_000_000_000_000, 2_000_000_000_000), events).ToJson();
    }

    public static string MaybeSocketId(Random r) => r.Next(3) switch
    {
        0 => SocketId(r),
        1 => Pick(r, "1.1:", ":1.1", ":\n1.1", "1.1\n:", "444", "444.444a", "", "1.1\n", " 1.1", "1..1", "١.١", "1.1.1", ".1", "1."),
        _ => Text(r, 3) + SocketId(r) + Text(r, 2),
    };

    public static string MaybeChannel(Random r) => r.Next(3) switch
    {
        0 => Channel(r, Pick(r, "private-", "presence-", "")),
        1 => Pick(r, "test_channel:", ":test_channel", ":\ntest_channel", "test_channel\n:", "", "-azAZ9_=@,.;", "a\n", "#server-to-user-1"),
        _ => Channel(r, "") + Text(r, 2),
    };
}

[Trait("Needs", "Node")]
public class OracleTests(OracleFixture fixture, ITestOutputHelper output) : IClassFixture<OracleFixture>
{
    private JsonArray Out(string name) => fixture.Output[name]!.AsArray();

    private void AssertNoMismatch(string kind, int compared, List<string> mismatches)
    {
        output.WriteLine($"{kind}: {compared} inputs compared with the npm library, {mismatches.Count} mismatches (seed {OracleFixture.Seed}).");
        Assert.True(compared >= OracleFixture.PerKind, $"{kind}: only {compared} inputs compared.");
        Assert.True(mismatches.Count == 0, $"{kind}: {mismatches.Count} of {compared} differ from the npm library, e.g.:\n" + string.Join("\n", mismatches.Take(5)));
    }

    private static string S(JsonNode? n, string name) => n![name]!.GetValue<string>();

    [Fact]
    public void Private_channel_authorization_matches()
    {
        var results = Out("private");
        var mismatches = new List<string>();
        for (var i = 0; i < fixture.Private.Count; i++)
        {
            var item = fixture.Private[i]!;
            var data = item["channelData"] is JsonValue v ? JsJson.Quote(v.GetValue<string>()) : null;
            var ours = new SubscriptionSigner(S(item, "key"), S(item, "secret")).AuthorizeChannel(S(item, "socketId"), S(item, "channel"), data);
            var theirs = results[i]!;
            if (ours.Auth != theirs["auth"]?.GetValue<string>() || ours.ChannelData != theirs["channel_data"]?.GetValue<string>() || theirs["shared_secret"] is not null)
            {
                mismatches.Add($"#{i} {item.ToJsonString()} ours {ours.ToJson()} npm {theirs.ToJsonString()}");
            }
        }
        AssertNoMismatch("private", fixture.Private.Count, mismatches);
    }

    [Fact]
    public void Encrypted_channel_authorization_and_shared_secret_match()
    {
        var results = Out("private");
        var mismatches = new List<string>();
        for (var i = 0; i < fixture.Encrypted.Count; i++)
        {
            var item = fixture.Encrypted[i]!;
            var signer = new SubscriptionSigner(S(item, "key"), S(item, "secret"), Convert.FromBase64String(S(item, "masterKeyBase64")));
            var ours = signer.AuthorizeChannel(S(item, "socketId"), S(item, "channel"));
            var theirs = results[fixture.Private.Count + i]!;
            if (ours.Auth != theirs["auth"]?.GetValue<string>() || ours.SharedSecret != theirs["shared_secret"]?.GetValue<string>() || ours.SharedSecret is null)
            {
                mismatches.Add($"#{i} ours {ours.ToJson()} npm {theirs.ToJsonString()}");
            }
        }
        var shared = Out("shared");
        for (var i = 0; i < fixture.Shared.Count; i++)
        {
            var item = fixture.Shared[i]!;
            var ours = ChannelEncryption.SharedSecretBase64(S(item, "channel"), Convert.FromBase64String(S(item, "masterKeyBase64")));
            if (ours != shared[i]!.GetValue<string>()) mismatches.Add($"shared #{i} ours {ours} npm {shared[i]}");
        }
        AssertNoMismatch("encrypted", fixture.Encrypted.Count + fixture.Shared.Count, mismatches);
    }

    [Fact]
    public void Presence_authorization_with_unicode_user_info_matches()
    {
        var results = Out("presence");
        var mismatches = new List<string>();
        for (var i = 0; i < fixture.Presence.Count; i++)
        {
            var item = fixture.Presence[i]!;
            // Every other input goes in as plain .NET objects (dictionaries, lists, boxed values) to cover that path too.
            var info = i % 2 == 0 ? item["userInfo"]?.DeepClone() : Plain(item["userInfo"]);
            var ours = new SubscriptionSigner(S(item, "key"), S(item, "secret"))
                .AuthorizePresence(S(item, "socketId"), S(item, "channel"), S(item, "userId"), info);
            var theirs = results[i]!;
            if (ours.Auth != theirs["auth"]?.GetValue<string>() || ours.ChannelData != theirs["channel_data"]?.GetValue<string>())
            {
                mismatches.Add($"#{i} ours {ours.ToJson()} npm {theirs.ToJsonString()}");
            }
        }
        AssertNoMismatch("presence", fixture.Presence.Count, mismatches);
    }

    // Property names with lone surrogates cannot pass through System.Text.Json's writer (a documented limit): keep those as nodes.
    private static object? Plain(JsonNode? node) =>
        node is not null && HasLoneSurrogateKey(node) ? node.DeepClone() : ToPlain(node);

    private static bool HasLoneSurrogateKey(JsonNode? node) => node switch
    {
        JsonObject o => o.Any(p => JsJson.Quote(p.Key).Contains("\\ud", StringComparison.Ordinal) || HasLoneSurrogateKey(p.Value)),
        JsonArray a => a.Any(HasLoneSurrogateKey),
        _ => false,
    };

    private static object? ToPlain(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.ToDictionary(p => p.Key, p => ToPlain(p.Value)),
        JsonArray a => a.Select(ToPlain).ToList(),
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.Number => v.GetValue<double>(),
        _ => node.GetValue<bool>(),
    };

    [Fact]
    public void User_sign_in_matches()
    {
        var results = Out("user");
        var mismatches = new List<string>();
        for (var i = 0; i < fixture.User.Count; i++)
        {
            var item = fixture.User[i]!;
            var watchlist = item["watchlist"]?.AsArray().Select(n => n!.GetValue<string>()).ToList();
            var ours = new SubscriptionSigner(S(item, "key"), S(item, "secret"))
                .AuthenticateUser(S(item, "socketId"), S(item, "userId"), item["userInfo"]?.DeepClone(), watchlist);
            var theirs = results[i]!;
            if (ours.Auth != theirs["auth"]?.GetValue<string>() || ours.UserData != theirs["user_data"]?.GetValue<string>())
            {
                mismatches.Add($"#{i} ours {ours.ToJson()} npm {theirs.ToJsonString()}");
            }
        }
        AssertNoMismatch("user sign-in", fixture.User.Count, mismatches);
    }

    [Fact]
    public void Webhooks_signed_by_the_npm_library_pass_our_verifier()
    {
        var results = Out("webhookSign");
        var mismatches = new List<string>();
        for (var i = 0; i < fixture.WebhookSign.Count; i++)
        {
            var item = fixture.WebhookSign[i]!;
            var body = Encoding.UTF8.GetBytes(S(item, "body"));
            var theirs = results[i]!.GetValue<string>();
            var verdict = new WebhookVerifier("k", S(item, "secret")).Verify("k", theirs, body);
            if (!verdict.IsValid || new WebhookSigner(S(item, "secret")).Sign(body) != theirs)
            {
                mismatches.Add($"#{i} {verdict.Failure} {verdict.Reason}");
            }
        }
        AssertNoMismatch("webhook (npm signs, we verify)", fixture.WebhookSign.Count, mismatches);
    }

    [Fact]
    public void Webhooks_we_sign_pass_the_npm_library_and_tampering_fails_in_both()
    {
        var results = Out("webhookVerify");
        var mismatches = new List<string>();
        var rejected = 0;
        for (var i = 0; i < fixture.WebhookVerify.Count; i++)
        {
            var item = fixture.WebhookVerify[i]!;
            var extra = item["extraTokens"]?.AsArray().Select(t => KeyValuePair.Create(S(t, "key"), S(t, "secret")));
            var ours = new WebhookVerifier(S(item, "key"), S(item, "secret"), extra).Verify(S(item, "headerKey"), S(item, "signature"), Encoding.UTF8.GetBytes(S(item, "body")));
            var theirs = results[i]!["valid"]!.GetValue<bool>();
            var expected = fixture.WebhookVerifyExpected[i];
            if (!expected) rejected++;
            if (ours.IsValid != expected || theirs != expected) mismatches.Add($"#{i} expected {expected} ours {ours.IsValid} ({ours.Failure}) npm {theirs}");
            else if (expected && ours.Webhook!.Events.Count != results[i]!["events"]!.GetValue<int>()) mismatches.Add($"#{i} event count differs");
        }
        Assert.True(rejected > 100, "too few negative webhook cases generated");
        AssertNoMismatch("webhook (we sign, npm verifies)", fixture.WebhookVerify.Count, mismatches);
    }

    [Fact]
    public void Signed_http_api_query_strings_match_createSignedQueryString()
    {
        var results = Out("query");
        var mismatches = new List<string>();
        for (var i = 0; i < fixture.Query.Count; i++)
        {
            var item = fixture.Query[i]!;
            var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(item["timestamp"]!.GetValue<long>()));
            var parameters = item["params"]!.AsObject().Select(p => KeyValuePair.Create(p.Key, p.Value!.GetValue<string>()));
            var ours = new RequestSigner(S(item, "key"), S(item, "secret"), time)
                .Sign(S(item, "method"), S(item, "path"), parameters, Encoding.UTF8.GetBytes(S(item, "body"))).ToString();
            var theirs = results[i]!.GetValue<string>();
            if (ours != theirs) mismatches.Add($"#{i} ours {ours} npm {theirs}");
        }
        AssertNoMismatch("signed query string", fixture.Query.Count, mismatches);
    }

    [Fact]
    public void Data_we_encrypt_tweetnacl_decrypts()
    {
        var results = Out("decrypt");
        var mismatches = new List<string>();
        for (var i = 0; i < fixture.Decrypt.Count; i++)
        {
            var theirs = results[i]!["plaintext"]?.GetValue<string>();
            if (theirs != S(fixture.Decrypt[i], "plaintext")) mismatches.Add($"#{i} npm {results[i]!.ToJsonString()}");
        }
        AssertNoMismatch("encryption (we encrypt, tweetnacl decrypts)", fixture.Decrypt.Count, mismatches);
    }

    [Fact]
    public void Data_the_npm_library_encrypts_we_decrypt()
    {
        var results = Out("encrypt");
        var mismatches = new List<string>();
        for (var i = 0; i < fixture.Encrypt.Count; i++)
        {
            var item = fixture.Encrypt[i]!;
            // The npm library encrypts JSON.stringify(data); ours must read back exactly that text.
            var expected = JsJson.Stringify(item["data"]);
            string ours;
            try
            {
                ours = ChannelEncryption.Decrypt(S(item, "channel"), S(results[i], "payload"), Convert.FromBase64String(S(item, "masterKeyBase64")));
            }
            catch (CryptographicException e)
            {
                ours = "error: " + e.Message;
            }
            if (ours != expected) mismatches.Add($"#{i} ours {ours} expected {expected}");
        }
        AssertNoMismatch("encryption (npm encrypts, we decrypt)", fixture.Encrypt.Count, mismatches);
    }

    [Fact]
    public void Socket_id_and_channel_validation_agrees_with_the_npm_library()
    {
        var results = Out("accepts");
        var mismatches = new List<string>();
        var accepted = 0;
        for (var i = 0; i < fixture.Accepts.Count; i++)
        {
            var item = fixture.Accepts[i]!;
            var ours = SocketId.IsValid(S(item, "socketId")) && ChannelName.TryParse(S(item, "channel"), out var name, out _) && name.Kind != ChannelKind.ServerToUser;
            var theirs = results[i]!.GetValue<bool>();
            if (ours) accepted++;
            if (ours != theirs) mismatches.Add($"#{i} {item.ToJsonString()} ours {ours} npm {theirs}");
        }
        Assert.InRange(accepted, 100, fixture.Accepts.Count - 100);
        AssertNoMismatch("validation", fixture.Accepts.Count, mismatches);
    }
}
