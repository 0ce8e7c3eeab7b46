using System.Security.Claims;
using AdminConsole.Channels;
using AdminConsole.Web.ChannelAuth;
using AdminConsole.Web.Classes;
using AdminConsole.Web.Memberships;
using AdminConsole.Web.Pusher;
using AdminConsole.Web.Shared;

namespace AdminConsole.Web.Compose;

/// <summary>
/// Which channels a user may send to. Admins: any valid channel. Teachers: the channels of the classes they teach
/// (<c>private-class-{id}</c>, <c>presence-class-{id}</c>, <c>private-encrypted-class-{id}</c>) and
/// <c>private-user-{id}</c> of the students in those classes; archived classes are closed. Everyone else: nothing.
/// Read from the same membership snapshot as channel authorization, so both always agree.
/// </summary>
public sealed class SendableChannels(MembershipCache cache, PusherApp pusher)
{
    /// <summary>The channels offered in the compose page's picker.</summary>
    public async Task<IReadOnlyList<ChannelChoice>> ListAsync(ClaimsPrincipal principal, CancellationToken cancellationToken = default)
    {
        var snapshot = await cache.GetAsync(cancellationToken);
        var user = snapshot.Find(principal.FindFirstValue(ClaimTypes.NameIdentifier));
        if (user is null) return [];
        var choices = new List<ChannelChoice>();

        if (user.IsAdmin)
        {
            choices.Add(new(ChannelNames.Public, "Everyone (public)", "General"));
            foreach (var role in Roles.All)
                choices.Add(new(ChannelNames.PresenceRole(role), $"Online {role.ToLowerInvariant()}s", "Roles"));
        }

        foreach (var cls in snapshot.Classes.Values.Where(c => !c.Archived).OrderBy(c => c.Name, StringComparer.CurrentCultureIgnoreCase))
        {
            if (!user.IsAdmin && !Teaches(user, cls.Id)) continue;
            choices.Add(new(ChannelNames.PrivateClass(cls.Id), $"{cls.Name}", "Classes"));
            choices.Add(new(ChannelNames.PresenceClass(cls.Id), $"{cls.Name} (presence)", "Classes"));
            if (pusher.HasEncryptionKey)
                choices.Add(new(ChannelNames.PrivateEncryptedClass(cls.Id), $"{cls.Name} (encrypted)", "Classes"));
        }

        var people = user.IsAdmin
            ? snapshot.Users.Values
            : snapshot.Users.Values.Where(u => StudentOfTaughtClass(user, u, snapshot));
        foreach (var person in people.OrderBy(u => u.DisplayName, StringComparer.CurrentCultureIgnoreCase))
            choices.Add(new(ChannelNames.PrivateUser(person.Id), $"{person.DisplayName} ({person.Email})", "People"));
        return choices;
    }

    /// <summary>The channels among <paramref name="channels"/> the user may not send to (empty: all allowed).</summary>
    public async Task<IReadOnlyList<string>> RefusedAsync(ClaimsPrincipal principal, IEnumerable<ChannelName> channels, CancellationToken cancellationToken = default)
    {
        var snapshot = await cache.GetAsync(cancellationToken);
        var user = snapshot.Find(principal.FindFirstValue(ClaimTypes.NameIdentifier));
        if (user is null) return channels.Select(c => c.Value).ToList();
        if (user.IsAdmin) return [];
        if (!user.Roles.Contains(Roles.Teacher)) return channels.Select(c => c.Value).ToList();
        return channels.Where(c => !TeacherMaySend(user, snapshot, c.Value)).Select(c => c.Value).ToList();
    }

    private static bool TeacherMaySend(UserAccess teacher, MembershipSnapshot snapshot, string channel)
    {
        foreach (var (classId, role) in teacher.Classes)
        {
            if (role != ClassRole.Teacher || !snapshot.Classes.TryGetValue(classId, out var cls) || cls.Archived) continue;
            if (channel == ChannelNames.PrivateClass(classId) || channel == ChannelNames.PresenceClass(classId) || channel == ChannelNames.PrivateEncryptedClass(classId))
                return true;
        }
        const string userPrefix = "private-user-";
        return channel.StartsWith(userPrefix, StringComparison.Ordinal)
            && snapshot.Find(channel[userPrefix.Length..]) is { } student
            && StudentOfTaughtClass(teacher, student, snapshot);
    }

    private static bool Teaches(UserAccess user, int classId) =>
        user.Classes.TryGetValue(classId, out var role) && role == ClassRole.Teacher;

    private static bool StudentOfTaughtClass(UserAccess teacher, UserAccess student, MembershipSnapshot snapshot) =>
        student.Classes.Any(m => m.Value == ClassRole.Student
            && Teaches(teacher, m.Key)
            && snapshot.Classes.TryGetValue(m.Key, out var cls) && !cls.Archived);
}

/// <summary>One entry of the channel picker.</summary>
public sealed record ChannelChoice(string Name, string Label, string Group);
