using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace AdminConsole.Channels;

/// <summary>Signs channel subscriptions (private, presence, encrypted) and user sign-ins for pusher-js auth endpoints.</summary>
public sealed class SubscriptionSigner
{
    private readonly string _key;
    private readonly string _secret;
    private readonly byte[]? _masterKey;

    /// <summary>Creates a signer from app options (key, secret and optional encryption master key).</summary>
    public SubscriptionSigner(ChannelsOptions options)
        : this(options?.Key ?? throw new ArgumentNullException(nameof(options)), options.Secret, options.GetMasterKey())
    {
    }

    /// <summary>Creates a signer from a key, a secret and an optional 32-byte master key for encrypted channels.</summary>
    public SubscriptionSigner(string key, string secret, byte[]? masterKey = null)
    {
        if (string.IsNullOrEmpty(key)) throw new ChannelsValidationException("key", "App key must not be empty.");
        if (string.IsNullOrEmpty(secret)) throw new ChannelsValidationException("secret", "App secret must not be empty.");
        if (masterKey is not null && masterKey.Length != ChannelEncryption.KeyLength)
        {
            throw new ChannelsValidationException("masterKey", $"The encryption master key must be {ChannelEncryption.KeyLength} bytes, not {masterKey.Length}.");
        }
        _key = key;
        _secret = secret;
        _masterKey = masterKey?.ToArray();
    }

    /// <summary>Authorizes a subscription: signs <c>socket_id:channel</c> (plus <c>:channel_data</c> when given, signed exactly as passed).</summary>
    /// <remarks>For <c>private-encrypted-</c> channels the result carries the channel's <c>shared_secret</c>; that needs a master key.</remarks>
    public ChannelAuthorization AuthorizeChannel(string socketId, string channel, string? channelData = null)
    {
        SocketId.Validate(socketId);
        var name = ChannelName.Parse(channel);
        string? sharedSecret = null;
        if (name.Kind == ChannelKind.PrivateEncrypted)
        {
            if (_masterKey is null) throw new ChannelsValidationException("EncryptionMasterKeyBase64", $"Channel {ChannelsValidationException.Show(channel)} is encrypted, but no encryption master key is configured.");
            sharedSecret = ChannelEncryption.SharedSecretBase64(channel, _masterKey);
        }
        var toSign = channelData is null ? $"{socketId}:{channel}" : $"{socketId}:{channel}:{channelData}";
        return new ChannelAuthorization($"{_key}:{Crypto.HmacHex(_secret, toSign)}", channelData, sharedSecret);
    }

    /// <summary>Authorizes a presence subscription; <c>channel_data</c> = JSON <c>{"user_id":…,"user_info":…}</c>, serialized once like JS and returned exactly as signed.</summary>
    /// <param name="socketId">The subscriber's socket id.</param>
    /// <param name="channel">A <c>presence-</c> channel.</param>
    /// <param name="userId">Member id (at most 128 characters), sent as a JSON string.</param>
    /// <param name="userInfo">Optional member info (any object, <see cref="JsonNode"/> or JSON element); omitted when null.</param>
    public ChannelAuthorization AuthorizePresence(string socketId, string channel, string userId, object? userInfo = null)
    {
        var name = ChannelName.Parse(channel);
        if (name.Kind != ChannelKind.Presence) throw new ChannelsValidationException("channel", $"Channel {ChannelsValidationException.Show(channel)} is not a presence channel.");
        UserIds.Validate(userId, "user_id");
        return AuthorizeChannel(socketId, channel, BuildChannelData(userId, userInfo));
    }

    /// <summary>The <c>channel_data</c> string for a presence member, serialized as JS <c>JSON.stringify</c> would.</summary>
    public static string BuildChannelData(string userId, object? userInfo)
    {
        var obj = new JsonObject { ["user_id"] = userId };
        var info = JsJson.ToNode(userInfo);
        if (info is not null) obj["user_info"] = info.Parent is null ? info : info.DeepClone();
        return JsJson.Stringify(obj);
    }

    /// <summary>Authenticates a user sign-in: signs <c>socket_id::user::user_data</c> with <c>user_data</c> = <c>{"id":…,"user_info"?:…,"watchlist"?:[…]}</c>.</summary>
    public UserAuthentication AuthenticateUser(string socketId, string userId, object? userInfo = null, IEnumerable<string>? watchlist = null)
    {
        SocketId.Validate(socketId);
        UserIds.Validate(userId, "id");
        var obj = new JsonObject { ["id"] = userId };
        var info = JsJson.ToNode(userInfo);
        if (info is not null) obj["user_info"] = info.Parent is null ? info : info.DeepClone();
        if (watchlist is not null)
        {
            var list = new JsonArray();
            foreach (var id in watchlist) list.Add(UserIds.Validate(id, "watchlist"));
            obj["watchlist"] = list;
        }
        return AuthenticateUserData(socketId, JsJson.Stringify(obj));
    }

    /// <summary>Authenticates a user sign-in with an already serialized <c>user_data</c> string, signed exactly as passed.</summary>
    public UserAuthentication AuthenticateUserData(string socketId, string userData)
    {
        SocketId.Validate(socketId);
        ArgumentNullException.ThrowIfNull(userData);
        var signature = Crypto.HmacHex(_secret, $"{socketId}::user::{userData}");
        return new UserAuthentication($"{_key}:{signature}", userData);
    }
}

/// <summary>The JSON reply of a channel-authorization endpoint: <c>{"auth","channel_data"?,"shared_secret"?}</c>.</summary>
public sealed record ChannelAuthorization(
    [property: JsonPropertyName("auth")] string Auth,
    [property: JsonPropertyName("channel_data"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ChannelData,
    [property: JsonPropertyName("shared_secret"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SharedSecret)
{
    /// <summary>The reply body, serialized as the npm library's <c>JSON.stringify</c> would.</summary>
    public string ToJson()
    {
        var obj = new JsonObject { ["auth"] = Auth };
        if (ChannelData is not null) obj["channel_data"] = ChannelData;
        if (SharedSecret is not null) obj["shared_secret"] = SharedSecret;
        return JsJson.Stringify(obj);
    }
}

/// <summary>The JSON reply of a user-authentication endpoint: <c>{"auth","user_data"}</c>.</summary>
public sealed record UserAuthentication(
    [property: JsonPropertyName("auth")] string Auth,
    [property: JsonPropertyName("user_data")] string UserData)
{
    /// <summary>The reply body, serialized as the npm library's <c>JSON.stringify</c> would.</summary>
    public string ToJson() => JsJson.Stringify(new JsonObject { ["auth"] = Auth, ["user_data"] = UserData });
}
