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
    /// <summary>
    /// The channels offered in the compose page's picker, in the people's words: "Everyone in Physics 7A" (the
    /// class's private channel), "Sam Student (Physics 7A)" (the student's private-user channel). The other kinds
    /// (presence and encrypted class channels, role channels) are <see cref="ChannelChoice.Advanced"/>: shown only
    /// when the sender asks for channel names.
    /// </summary>
    public async Task<IReadOnlyList<ChannelChoice>> ListAsync(ClaimsPrincipal principal, CancellationToken cancellationToken = default)
    {
        var snapshot = await cache.GetAsync(cancellationToken);
        var user = snapshot.Find(principal.FindFirstValue(ClaimTypes.NameIdentifier));
        if (user is null) return [];
        var choices = new List<ChannelChoice>();

        if (user.IsAdmin)
        {
            choices.Add(new(ChannelNames.Public, "Everyone in the school", "General"));
            foreach (var role in Roles.All)
                choices.Add(new(ChannelNames.PresenceRole(role), $"{role}s online now", "Roles", Advanced: true));
        }

        var classes = snapshot.Classes.Values.Where(c => !c.Archived && (user.IsAdmin || Teaches(user, c.Id)))
            .OrderBy(c => c.Name, StringComparer.CurrentCultureIgnoreCase).ToList();
        foreach (var cls in classes)
        {
            choices.Add(new(ChannelNames.PrivateClass(cls.Id), $"Everyone in {cls.Name}", "Classes", ClassId: cls.Id));
            choices.Add(new(ChannelNames.PresenceClass(cls.Id), $"{cls.Name} (presence)", "Classes", Advanced: true, ClassId: cls.Id));
            if (pusher.HasEncryptionKey)
                choices.Add(new(ChannelNames.PrivateEncryptedClass(cls.Id), $"{cls.Name} (encrypted)", "Classes", Advanced: true, ClassId: cls.Id));
        }

        var people = user.IsAdmin
            ? snapshot.Users.Values
            : snapshot.Users.Values.Where(u => StudentOfTaughtClass(user, u, snapshot));
        foreach (var person in people.OrderBy(u => u.DisplayName, StringComparer.CurrentCultureIgnoreCase))
        {
            // A student is known by their classes (the ones this sender may see), anyone else by their email.
            var theirClasses = classes.Where(c => person.Classes.TryGetValue(c.Id, out var r) && r == ClassRole.Student).Select(c => c.Name).ToList();
            var label = theirClasses.Count > 0 ? $"{person.DisplayName} ({string.Join(", ", theirClasses)})" : $"{person.DisplayName} ({person.Email})";
            choices.Add(new(ChannelNames.PrivateUser(person.Id), label, "People"));
        }
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

/// <summary>One entry of the channel picker; <paramref name="ClassId"/> is the class a class channel belongs to.</summary>
public sealed record ChannelChoice(string Name, string Label, string Group, bool Advanced = false, int? ClassId = null);
