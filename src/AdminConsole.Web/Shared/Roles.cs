using Microsoft.AspNetCore.Identity;

namespace AdminConsole.Web.Shared;

/// <summary>The four roles of the console; created at start.</summary>
public static class Roles
{
    public const string Admin = "Admin";
    public const string Teacher = "Teacher";
    public const string Student = "Student";
    public const string Auditor = "Auditor";

    public static readonly IReadOnlyList<string> All = [Admin, Teacher, Student, Auditor];

    /// <summary>
    /// Creates whichever of <see cref="All"/> are missing. Both the server start and <c>create-admin</c> call it,
    /// because either may be the first thing run against a new database.
    /// </summary>
    public static async Task EnsureRolesAsync(RoleManager<IdentityRole> roles)
    {
        foreach (var role in All)
        {
            if (await roles.RoleExistsAsync(role)) continue;
            var created = await roles.CreateAsync(new IdentityRole(role));
            // Failing here beats failing later, when a user is added to a role that does not exist.
            if (!created.Succeeded)
                throw new InvalidOperationException($"Role {role}: {string.Join("; ", created.Errors.Select(e => e.Description))}");
        }
    }
}

/// <summary>Authorization policies; pages and endpoints name these, never role strings.</summary>
public static class Policies
{
    /// <summary>Users and classes administration, reconcile.</summary>
    public const string Admin = "Admin";
    /// <summary>Dashboard: every console role (students get their own page).</summary>
    public const string Console = "Console";
    /// <summary>Channels page: all channels of the app.</summary>
    public const string Monitor = "Monitor";
    /// <summary>Presence page: admins see all, teachers their classes.</summary>
    public const string Presence = "Presence";
    /// <summary>Compose and trigger: admins any channel, teachers their classes.</summary>
    public const string Compose = "Compose";
    /// <summary>
    /// <c>POST /realtime/trigger</c>: Compose's roles, from a console session or an API token. ApiAccess, which
    /// owns the token scheme, registers this authorization policy and the rate-limit policy of the same name.
    /// </summary>
    public const string Trigger = "Trigger";
    /// <summary>Event log and its export.</summary>
    public const string EventLog = "EventLog";
    /// <summary>The student's page.</summary>
    public const string Student = "Student";
}
