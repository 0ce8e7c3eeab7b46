using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AdminConsole.Channels;

namespace AdminConsole.LocalChannels.Protocol;

/// <summary>
/// Whether a connection may subscribe to a channel, one check per channel kind as Pusher applies them: public channels
/// are open; private and private-encrypted ones need the socket's signature; presence ones need channel_data, the
/// signature over it and a valid member; <c>#server-to-user-{id}</c> needs that user signed in on the connection.
/// </summary>
internal sealed class SubscriptionAuthorizer(SubscriptionSigner signer)
{
    public SubscriptionCheck Check(PusherConnection connection, string channel, ChannelKind kind, string? auth, string? channelData) => kind switch
    {
        ChannelKind.ServerToUser => CheckSignedInUser(connection, channel),
        ChannelKind.Private or ChannelKind.PrivateEncrypted => CheckSignature(connection, channel, auth, channelData),
        ChannelKind.Presence => CheckPresence(connection, channel, auth, channelData),
        _ => SubscriptionCheck.Allowed,
    };

    /// <summary>Compares signatures in constant time, so a client cannot learn one byte by byte.</summary>
    public static bool SignatureMatches(string expected, string? given) =>
        given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(given));

    private static SubscriptionCheck CheckSignedInUser(PusherConnection connection, string channel) =>
        connection.UserId is not null && channel == ChannelName.ServerToUserPrefix + connection.UserId
            ? SubscriptionCheck.Allowed
            : SubscriptionCheck.Refuse(channel, "AuthError", "Sign in as this user before subscribing to its channel", 403);

    /// <summary>The signature covers channel_data whenever the client sent it, on private channels too.</summary>
    private SubscriptionCheck CheckSignature(PusherConnection connection, string channel, string? auth, string? channelData)
    {
        var expected = signer.AuthorizeChannel(connection.SocketId, channel, channelData).Auth;
        if (SignatureMatches(expected, auth)) return SubscriptionCheck.Allowed;
        var signed = channelData is null ? $"{connection.SocketId}:{channel}" : $"{connection.SocketId}:{channel}:{channelData}";
        return SubscriptionCheck.Refuse(channel, "AuthError", $"Invalid signature: Expected HMAC SHA256 hex digest of {signed}, but got {auth}", 401);
    }

    private SubscriptionCheck CheckPresence(PusherConnection connection, string channel, string? auth, string? channelData)
    {
        if (channelData is null)
            return SubscriptionCheck.Refuse(channel, "AuthError", "Presence channels need channel_data", 401);
        var signature = CheckSignature(connection, channel, auth, channelData);
        if (signature.Refusal is not null) return signature;
        return TryReadMember(channelData, out var userId, out var userInfoJson, out var error)
            ? SubscriptionCheck.AllowedAs(userId, userInfoJson)
            : SubscriptionCheck.Refuse(channel, "AuthError", error, 400);
    }

    private static bool TryReadMember(string channelData, out string userId, out string? userInfoJson, out string error)
    {
        userId = string.Empty;
        userInfoJson = null;
        try
        {
            using var doc = JsonDocument.Parse(channelData);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("user_id", out var id))
            {
                error = "channel_data must be a JSON object with a user_id";
                return false;
            }
            var read = id.ValueKind switch
            {
                JsonValueKind.String => id.GetString(),
                JsonValueKind.Number => id.GetRawText(),
                _ => null,
            };
            if (string.IsNullOrEmpty(read) || read.Length > 128)
            {
                error = "user_id must be a non-empty string of at most 128 characters";
                return false;
            }
            userId = read;
            if (root.TryGetProperty("user_info", out var info))
            {
                userInfoJson = info.GetRawText();
                if (Encoding.UTF8.GetByteCount(userInfoJson) > 1024)
                {
                    error = "user_info is larger than 1 KB";
                    return false;
                }
            }
            error = string.Empty;
            return true;
        }
        catch (JsonException)
        {
            error = "channel_data is not valid JSON";
            return false;
        }
    }
}

/// <summary>
/// A subscription check's outcome: <see cref="Refusal"/> is the <c>pusher:subscription_error</c> frame to send, or
/// null when the connection may subscribe; on presence channels <see cref="UserId"/> is the joining member.
/// </summary>
internal readonly record struct SubscriptionCheck(byte[]? Refusal, string? UserId, string? UserInfoJson)
{
    public static SubscriptionCheck Allowed => default;

    public static SubscriptionCheck AllowedAs(string userId, string? userInfoJson) => new(null, userId, userInfoJson);

    public static SubscriptionCheck Refuse(string channel, string type, string error, int status) =>
        new(Frames.SubscriptionError(channel, type, error, status), null, null);
}
