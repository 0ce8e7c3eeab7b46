using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace AdminConsole.Web.Classes;

/// <summary>
/// A class (course group). Its numeric <see cref="Id"/> is what goes into channel names
/// (private-class-{id}, presence-class-{id}): digits are always valid in Pusher channel names.
/// </summary>
public class SchoolClass
{
    public int Id { get; set; }

    [MaxLength(100)]
    public string Name { get; set; } = "";

    /// <summary>Archived classes keep their history but refuse channel authorization.</summary>
    public bool Archived { get; set; }

    public DateTime CreatedUtc { get; set; }

    public List<ClassMembership> Members { get; set; } = [];

    public string PrivateChannel => ChannelNames.PrivateClass(Id);
    public string PresenceChannel => ChannelNames.PresenceClass(Id);
}

public enum ClassRole
{
    Teacher = 1,
    Student = 2,
}

/// <summary>A teacher assigned to, or a student enrolled in, a class.</summary>
public class ClassMembership
{
    public int ClassId { get; set; }
    public SchoolClass? Class { get; set; }

    [MaxLength(450)]
    public string UserId { get; set; } = "";
    public Data.AppUser? User { get; set; }

    public ClassRole Role { get; set; }

    public DateTime AddedUtc { get; set; }
}

/// <summary>The channel names the console's conventions derive from users, roles and classes.</summary>
public static partial class ChannelNames
{
    public const string Public = "public";
    public static string PrivateUser(string userId) => $"private-user-{userId}";
    public static string PresenceRole(string role) => $"presence-{role.ToLowerInvariant()}";
    public static string PrivateClass(int classId) => $"private-class-{classId}";
    public static string PresenceClass(int classId) => $"presence-class-{classId}";
    public static string PrivateEncryptedUser(string userId) => $"private-encrypted-user-{userId}";
    public static string PrivateEncryptedClass(int classId) => $"private-encrypted-class-{classId}";

    /// <summary>private-class-{id}, presence-class-{id}, private-encrypted-class-{id} (and their cache- forms) belong to class {id}.</summary>
    public static bool TryParseClass(string? channel, out int classId)
    {
        classId = 0;
        if (channel is null) return false;
        var m = ClassChannel().Match(channel);
        return m.Success && int.TryParse(m.Groups[1].ValueSpan, out classId);
    }

    /// <summary>private-user-{id}, private-encrypted-user-{id} and #server-to-user-{id} belong to user {id}.</summary>
    public static bool TryParseUser(string? channel, out string userId)
    {
        var m = channel is null ? null : UserChannel().Match(channel);
        userId = m is { Success: true } ? m.Groups[1].Value : "";
        return m is { Success: true };
    }

    [GeneratedRegex(@"^(?:private-|presence-|private-encrypted-)(?:cache-)?class-([0-9]{1,9})$", RegexOptions.CultureInvariant)]
    private static partial Regex ClassChannel();

    [GeneratedRegex(@"^(?:private-user-|private-encrypted-user-|#server-to-user-)(.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex UserChannel();
}
