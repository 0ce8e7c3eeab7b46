using System.Globalization;
using AdminConsole.Channels;
using AdminConsole.Web.Classes;
using AdminConsole.Web.Memberships;
using AdminConsole.Web.Pusher;
using AdminConsole.Web.Shared;

namespace AdminConsole.Web.ChannelAuth;

/// <summary>
/// Decides whether a signed-in user may subscribe to a channel, from their roles and class memberships, and
/// signs the subscription when they may. The rules (the console's channel conventions, see <see cref="ChannelNames"/>):
/// <list type="bullet">
/// <item><c>public</c> and other public channels need no authorization (nothing to sign);</item>
/// <item><c>private-user-{id}</c> and <c>private-encrypted-user-{id}</c>: that user, and Admins;</item>
/// <item><c>presence-{role}</c>: members of that role;</item>
/// <item><c>private-class-{id}</c>, <c>presence-class-{id}</c>, <c>private-encrypted-class-{id}</c>: the class's teachers
/// and enrolled students, and Admins; archived classes refuse everyone;</item>
/// <item>encrypted channels need an encryption master key; anything else is refused.</item>
/// </list>
/// </summary>
public sealed class ChannelAuthorizer(PusherApp pusher)
{
    private const string UserPrefix = "user-";
    private const string ClassPrefix = "class-";

    /// <summary>Checks the request's shape, then decides; <paramref name="user"/> null means the user no longer exists.</summary>
    public ChannelAuthDecision Decide(UserAccess? user, MembershipSnapshot snapshot, string? socketId, string? channel)
    {
        if (!SocketId.IsValid(socketId))
            return ChannelAuthDecision.Malformed("socket_id is missing or malformed (expected digits.digits).");
        if (!ChannelName.TryParse(channel, out var name, out var error))
            return ChannelAuthDecision.Malformed(error);
        if (name.Kind == ChannelKind.Public)
            return ChannelAuthDecision.Malformed($"{name.Value} is not a private, presence or encrypted channel: there is nothing to sign.");
        if (user is null)
            return ChannelAuthDecision.Refused("Your account no longer exists.");

        var value = name.Value;
        return name.Kind switch
        {
            ChannelKind.Private when value.StartsWith("private-" + UserPrefix, StringComparison.Ordinal) =>
                ForUserChannel(user, value["private-".Length..]),
            ChannelKind.Private when value.StartsWith("private-" + ClassPrefix, StringComparison.Ordinal) =>
                ForClassChannel(user, snapshot, value["private-".Length..]),
            ChannelKind.Presence when value.StartsWith("presence-" + ClassPrefix, StringComparison.Ordinal) =>
                AsPresence(ForClassChannel(user, snapshot, value["presence-".Length..])),
            ChannelKind.Presence => ForRoleChannel(user, value["presence-".Length..]),
            ChannelKind.PrivateEncrypted when !pusher.HasEncryptionKey =>
                ChannelAuthDecision.Refused("Encrypted channels are not enabled: no encryption master key is configured."),
            ChannelKind.PrivateEncrypted when value.StartsWith("private-encrypted-" + UserPrefix, StringComparison.Ordinal) =>
                ForUserChannel(user, value["private-encrypted-".Length..]),
            ChannelKind.PrivateEncrypted when value.StartsWith("private-encrypted-" + ClassPrefix, StringComparison.Ordinal) =>
                ForClassChannel(user, snapshot, value["private-encrypted-".Length..]),
            _ => ChannelAuthDecision.Refused($"{value} is not one of the console's channels."),
        };
    }

    /// <summary>Signs an allowed decision; presence members are shown with their display name and role.</summary>
    public ChannelAuthorization Sign(ChannelAuthDecision decision, UserAccess user, string socketId, string channel)
    {
        if (!decision.Allowed) throw new InvalidOperationException("Only allowed decisions are signed.");
        return decision.Presence
            ? pusher.Signer.AuthorizePresence(socketId, channel, user.Id, PresenceInfo(user))
            : pusher.Signer.AuthorizeChannel(socketId, channel);
    }

    /// <summary>What other members (and the user's own pusher-js) see as <c>user_info</c>.</summary>
    public static PresenceUserInfo PresenceInfo(UserAccess user) => new(user.DisplayName, user.PrimaryRole);

    private static ChannelAuthDecision AsPresence(ChannelAuthDecision d) => d.Allowed ? d with { Presence = true } : d;

    private static ChannelAuthDecision ForUserChannel(UserAccess user, string rest)
    {
        var userId = rest[UserPrefix.Length..];
        if (string.Equals(userId, user.Id, StringComparison.Ordinal))
            return ChannelAuthDecision.Allow("own user channel");
        if (user.IsAdmin)
            return ChannelAuthDecision.Allow("admin");
        return ChannelAuthDecision.Refused("This is another user's private channel.");
    }

    private static ChannelAuthDecision ForClassChannel(UserAccess user, MembershipSnapshot snapshot, string rest)
    {
        var idText = rest[ClassPrefix.Length..];
        // Only the canonical spelling: private-class-01 is a different channel from private-class-1.
        if (!int.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out var classId)
            || classId.ToString(CultureInfo.InvariantCulture) != idText
            || !snapshot.Classes.TryGetValue(classId, out var cls))
            return ChannelAuthDecision.Refused("No such class.");
        if (cls.Archived)
            return ChannelAuthDecision.Refused("This class is archived.");
        if (user.Classes.TryGetValue(classId, out var role))
            return ChannelAuthDecision.Allow(role == ClassRole.Teacher ? "teacher of the class" : "student of the class");
        if (user.IsAdmin)
            return ChannelAuthDecision.Allow("admin");
        return ChannelAuthDecision.Refused("You are not a teacher or student of this class.");
    }

    private static ChannelAuthDecision ForRoleChannel(UserAccess user, string roleName)
    {
        var role = Roles.All.FirstOrDefault(r => r.ToLowerInvariant() == roleName);
        if (role is null)
            return ChannelAuthDecision.Refused($"presence-{roleName} is not one of the console's channels.");
        return user.Roles.Contains(role)
            ? ChannelAuthDecision.Allow($"member of {role}") with { Presence = true }
            : ChannelAuthDecision.Refused($"Only members of the {role} role may join this channel.");
    }
}

public enum ChannelAuthOutcome { Allowed, Refused, Malformed }

/// <summary>The decision and its reason, as audited and (for refusals) answered in plain text.</summary>
public sealed record ChannelAuthDecision(ChannelAuthOutcome Outcome, string Reason, bool Presence = false)
{
    public bool Allowed => Outcome == ChannelAuthOutcome.Allowed;
    public static ChannelAuthDecision Allow(string reason) => new(ChannelAuthOutcome.Allowed, reason);
    public static ChannelAuthDecision Refused(string reason) => new(ChannelAuthOutcome.Refused, reason);
    public static ChannelAuthDecision Malformed(string reason) => new(ChannelAuthOutcome.Malformed, reason);
}

/// <summary>Presence <c>user_info</c>: display name and role.</summary>
public sealed record PresenceUserInfo(
    [property: System.Text.Json.Serialization.JsonPropertyName("name")] string Name,
    [property: System.Text.Json.Serialization.JsonPropertyName("role")] string Role);
