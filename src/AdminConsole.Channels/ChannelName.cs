using System.Diagnostics.CodeAnalysis;

namespace AdminConsole.Channels;

/// <summary>The kind of a Pusher channel, decided by its name prefix.</summary>
public enum ChannelKind
{
    /// <summary>No prefix: anyone may subscribe.</summary>
    Public,
    /// <summary><c>private-</c>: subscription needs a signed authorization.</summary>
    Private,
    /// <summary><c>presence-</c>: private plus member lists (<c>channel_data</c>).</summary>
    Presence,
    /// <summary><c>private-encrypted-</c>: private with end-to-end encrypted event data.</summary>
    PrivateEncrypted,
    /// <summary><c>#server-to-user-{id}</c>: Pusher's internal channel for messages to one signed-in user.</summary>
    ServerToUser,
}

/// <summary>A validated Pusher channel name with its <see cref="ChannelKind"/> and cache flag.</summary>
public readonly record struct ChannelName
{
    /// <summary>Longest channel name Pusher accepts, prefix included.</summary>
    public const int MaxLength = 164;

    /// <summary>Prefix of the internal channel that carries messages to one user.</summary>
    public const string ServerToUserPrefix = "#server-to-user-";

    private ChannelName(string value, ChannelKind kind, bool isCache)
    {
        Value = value;
        Kind = kind;
        IsCache = isCache;
    }

    /// <summary>The channel name as given.</summary>
    public string Value { get; }

    /// <summary>The channel kind.</summary>
    public ChannelKind Kind { get; }

    /// <summary>True for the cache variants (<c>cache-</c>, <c>private-cache-</c>, <c>presence-cache-</c>, <c>private-encrypted-cache-</c>).</summary>
    public bool IsCache { get; }

    /// <summary>True when subscribing needs a signed authorization (private, presence, encrypted).</summary>
    public bool RequiresAuthorization => Kind is ChannelKind.Private or ChannelKind.Presence or ChannelKind.PrivateEncrypted;

    /// <summary>Parses and validates a channel name.</summary>
    /// <exception cref="ChannelsValidationException">The name is empty, too long, or has a character outside <c>[-a-zA-Z0-9_=@,.;]</c>.</exception>
    public static ChannelName Parse(string value)
    {
        if (!TryParse(value, out var name, out var error)) throw new ChannelsValidationException("channel", error);
        return name;
    }

    /// <summary>Parses a channel name; on failure <paramref name="error"/> says why.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out ChannelName name, [NotNullWhen(false)] out string? error)
    {
        name = default;
        if (string.IsNullOrEmpty(value))
        {
            error = "Channel name must not be empty.";
            return false;
        }
        if (value.Length > MaxLength)
        {
            error = $"Channel name {ChannelsValidationException.Show(value)} is {value.Length} characters long; at most {MaxLength} are allowed.";
            return false;
        }

        var body = value;
        var internalUser = value.StartsWith(ServerToUserPrefix, StringComparison.Ordinal);
        if (internalUser)
        {
            body = value[ServerToUserPrefix.Length..];
            if (body.Length == 0)
            {
                error = $"Channel name {ChannelsValidationException.Show(value)} lacks the user id.";
                return false;
            }
        }

        foreach (var c in body)
        {
            if (!IsChannelChar(c))
            {
                error = $"Channel name {ChannelsValidationException.Show(value)} contains a character outside [-a-zA-Z0-9_=@,.;].";
                return false;
            }
        }

        if (internalUser)
        {
            name = new ChannelName(value, ChannelKind.ServerToUser, false);
        }
        else if (value.StartsWith("private-encrypted-", StringComparison.Ordinal))
        {
            name = new ChannelName(value, ChannelKind.PrivateEncrypted, value.StartsWith("private-encrypted-cache-", StringComparison.Ordinal));
        }
        else if (value.StartsWith("private-", StringComparison.Ordinal))
        {
            name = new ChannelName(value, ChannelKind.Private, value.StartsWith("private-cache-", StringComparison.Ordinal));
        }
        else if (value.StartsWith("presence-", StringComparison.Ordinal))
        {
            name = new ChannelName(value, ChannelKind.Presence, value.StartsWith("presence-cache-", StringComparison.Ordinal));
        }
        else
        {
            name = new ChannelName(value, ChannelKind.Public, value.StartsWith("cache-", StringComparison.Ordinal));
        }
        error = null;
        return true;
    }

    /// <summary>True for a character allowed in channel names.</summary>
    public static bool IsChannelChar(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '_' or '=' or '@' or ',' or '.' or ';';

    /// <summary>The internal channel for messages to one user.</summary>
    public static ChannelName ForUser(string userId)
    {
        UserIds.Validate(userId, "userId");
        return Parse(ServerToUserPrefix + userId);
    }

    /// <inheritdoc />
    public override string ToString() => Value ?? string.Empty;

    /// <summary>The name as a string.</summary>
    public static implicit operator string(ChannelName name) => name.Value;
}

/// <summary>Validation of Pusher socket ids (<c>digits.digits</c>).</summary>
public static class SocketId
{
    /// <summary>True when <paramref name="value"/> matches <c>^\d+\.\d+$</c> exactly (ASCII digits, no whitespace).</summary>
    public static bool IsValid([NotNullWhen(true)] string? value)
    {
        if (string.IsNullOrEmpty(value)) return false;
        var dot = value.IndexOf('.');
        if (dot <= 0 || dot == value.Length - 1) return false;
        for (var i = 0; i < value.Length; i++)
        {
            if (i == dot) continue;
            if (value[i] is < '0' or > '9') return false;
        }
        return true;
    }

    /// <summary>Throws <see cref="ChannelsValidationException"/> (field <c>socket_id</c>) unless <paramref name="value"/> is a valid socket id.</summary>
    public static string Validate(string? value)
    {
        if (!IsValid(value)) throw new ChannelsValidationException("socket_id", $"Socket id {ChannelsValidationException.Show(value)} is invalid; expected digits, a dot, digits (e.g. 1234.5678).");
        return value;
    }
}

internal static class UserIds
{
    // Pusher limits presence user ids to 128 characters; the same bound keeps paths and channel names sane.
    public const int MaxLength = 128;

    public static string Validate(string? userId, string field)
    {
        if (string.IsNullOrEmpty(userId)) throw new ChannelsValidationException(field, "User id must not be empty.");
        if (userId.Length > MaxLength) throw new ChannelsValidationException(field, $"User id {ChannelsValidationException.Show(userId)} is longer than {MaxLength} characters.");
        return userId;
    }

    public static string ValidateForChannel(string? userId, string field)
    {
        Validate(userId, field);
        foreach (var c in userId!)
        {
            if (!ChannelName.IsChannelChar(c)) throw new ChannelsValidationException(field, $"User id {ChannelsValidationException.Show(userId)} contains a character outside [-a-zA-Z0-9_=@,.;].");
        }
        return userId;
    }
}
