namespace AdminConsole.Web.Security;

/// <summary>The four roles of the console; created at start.</summary>
public static class Roles
{
    public const string Admin = "Admin";
    public const string Teacher = "Teacher";
    public const string Student = "Student";
    public const string Auditor = "Auditor";

    public static readonly IReadOnlyList<string> All = [Admin, Teacher, Student, Auditor];
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
    /// <summary>Event log and its export.</summary>
    public const string EventLog = "EventLog";
    /// <summary>The student's page.</summary>
    public const string Student = "Student";
}
