using System.Text.Json;

namespace AdminConsole.LocalChannels.State;

/// <summary>
/// Members of one presence channel, keyed by <c>user_id</c>. A user with several connections is one member:
/// only the first connection joins and only the last one leaves, as Pusher de-duplicates.
/// Not thread-safe: the owning <see cref="ChannelState"/> serializes access.
/// </summary>
public sealed class PresenceRoster
{
    private readonly OrderedDictionary<string, Member> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _userBySocket = new(StringComparer.Ordinal);

    public int Count => _members.Count;

    public bool Contains(string userId) => _members.ContainsKey(userId);

    public string? UserOf(string socketId) => _userBySocket.GetValueOrDefault(socketId);

    /// <summary>Adds a connection for a user; true when the user was not yet a member.</summary>
    public bool Add(string socketId, string userId, string? userInfoJson)
    {
        _userBySocket[socketId] = userId;
        if (_members.TryGetValue(userId, out var existing))
        {
            existing.Sockets.Add(socketId);
            return false;
        }
        _members.Add(userId, new Member(userInfoJson, [socketId]));
        return true;
    }

    /// <summary>Removes a connection; returns the user id when that was the user's last connection.</summary>
    public string? Remove(string socketId)
    {
        if (!_userBySocket.Remove(socketId, out var userId)) return null;
        if (!_members.TryGetValue(userId, out var member)) return null;
        member.Sockets.Remove(socketId);
        if (member.Sockets.Count > 0) return null;
        _members.Remove(userId);
        return userId;
    }

    public IReadOnlyList<string> UserIds() => [.. _members.Keys];

    /// <summary>The <c>{"presence":{"ids":[..],"hash":{..},"count":n}}</c> object of <c>subscription_succeeded</c>.</summary>
    public void WriteSubscriptionData(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteStartObject("presence");
        w.WriteStartArray("ids");
        foreach (var id in _members.Keys) w.WriteStringValue(id);
        w.WriteEndArray();
        w.WriteStartObject("hash");
        foreach (var (id, member) in _members)
        {
            w.WritePropertyName(id);
            if (member.UserInfoJson is null) w.WriteNullValue();
            else w.WriteRawValue(member.UserInfoJson, skipInputValidation: true);
        }
        w.WriteEndObject();
        w.WriteNumber("count", _members.Count);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    public string? UserInfoJson(string userId) => _members.TryGetValue(userId, out var m) ? m.UserInfoJson : null;

    private sealed record Member(string? UserInfoJson, HashSet<string> Sockets);
}
