using System.Security.Claims;
using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Shared;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Classes;

/// <summary>
/// The changes an administrator makes to classes and their members. Each change and its audit entry
/// (before/after as JSON) are saved by one SaveChanges, so they commit together.
/// </summary>
public sealed class ClassAdministration(AppDbContext db, AuditTrail audit, TimeProvider time)
{
    public async Task<ClassChange> CreateAsync(ClaimsPrincipal actor, string name, CancellationToken ct = default)
    {
        name = name.Trim();
        if (await NameTakenAsync(name, exceptId: null, ct))
            return ClassChange.Refused($"A class named “{name}” already exists.");
        var cls = new SchoolClass { Name = name, CreatedUtc = Now };
        db.Classes.Add(cls);
        // The id (and with it the channel names) is only known after the insert; both saves share one transaction.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.SaveChangesAsync(ct);
        audit.Add(db, AuditKinds.ClassCreated, Actor.From(actor), Target(cls.Id),
            new { before = (object?)null, after = Snapshot(cls) }, channel: cls.PrivateChannel, outcome: "success");
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return ClassChange.Done(cls);
    }

    public async Task<ClassChange> RenameAsync(ClaimsPrincipal actor, int id, string name, CancellationToken ct = default)
    {
        if (await db.Classes.FindAsync([id], ct) is not { } cls) return ClassChange.Missing;
        name = name.Trim();
        if (cls.Name == name) return ClassChange.Done(cls);
        if (await NameTakenAsync(name, id, ct))
            return ClassChange.Refused($"A class named “{name}” already exists.");
        var before = Snapshot(cls);
        cls.Name = name;
        audit.Add(db, AuditKinds.ClassRenamed, Actor.From(actor), Target(id), new { before, after = Snapshot(cls) }, outcome: "success");
        await db.SaveChangesAsync(ct);
        return ClassChange.Done(cls);
    }

    public async Task<ClassChange> SetArchivedAsync(ClaimsPrincipal actor, int id, bool archived, CancellationToken ct = default)
    {
        if (await db.Classes.FindAsync([id], ct) is not { } cls) return ClassChange.Missing;
        if (cls.Archived == archived) return ClassChange.Done(cls);
        var before = Snapshot(cls);
        cls.Archived = archived;
        audit.Add(db, archived ? AuditKinds.ClassArchived : AuditKinds.ClassRestored, Actor.From(actor), Target(id),
            new { before, after = Snapshot(cls) }, outcome: "success");
        await db.SaveChangesAsync(ct);
        return ClassChange.Done(cls);
    }

    /// <summary>Assigns a teacher (who must have the Teacher role) or enrols a student (Student role).</summary>
    public async Task<ClassChange> AddMemberAsync(ClaimsPrincipal actor, int id, string userId, ClassRole role, CancellationToken ct = default)
    {
        if (await db.Classes.Include(c => c.Members).FirstOrDefaultAsync(c => c.Id == id, ct) is not { } cls) return ClassChange.Missing;
        var user = await db.Users.FindAsync([userId], ct);
        var requiredRole = role == ClassRole.Teacher ? Roles.Teacher : Roles.Student;
        if (user is null || !await HasRoleAsync(userId, requiredRole, ct))
            return ClassChange.Refused($"Choose a user with the {requiredRole} role.");
        if (cls.Members.FirstOrDefault(m => m.UserId == userId) is { } existing)
            return existing.Role == role
                ? ClassChange.Done(cls)
                : ClassChange.Refused($"{user.Email} is already in this class as a {existing.Role.ToString().ToLowerInvariant()}.");

        var before = MemberSnapshot(cls);
        cls.Members.Add(new ClassMembership { UserId = userId, Role = role, AddedUtc = Now });
        audit.Add(db, AuditKinds.ClassMemberAdded, Actor.From(actor), Target(id),
            new { member = new { user.Id, user.Email, role = role.ToString() }, before, after = MemberSnapshot(cls) },
            channel: cls.PrivateChannel, outcome: "success");
        await db.SaveChangesAsync(ct);
        return ClassChange.Done(cls);
    }

    public async Task<ClassChange> RemoveMemberAsync(ClaimsPrincipal actor, int id, string userId, CancellationToken ct = default)
    {
        if (await db.Classes.Include(c => c.Members).ThenInclude(m => m.User).FirstOrDefaultAsync(c => c.Id == id, ct) is not { } cls) return ClassChange.Missing;
        if (cls.Members.FirstOrDefault(m => m.UserId == userId) is not { } member) return ClassChange.Done(cls);
        var before = MemberSnapshot(cls);
        cls.Members.Remove(member);
        db.ClassMemberships.Remove(member);
        audit.Add(db, AuditKinds.ClassMemberRemoved, Actor.From(actor), Target(id),
            new { member = new { Id = userId, member.User?.Email, role = member.Role.ToString() }, before, after = MemberSnapshot(cls) },
            channel: cls.PrivateChannel, outcome: "success");
        await db.SaveChangesAsync(ct);
        return ClassChange.Done(cls);
    }

    public static string Target(int classId) => $"class:{classId}";

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    // SQLite compares with BINARY collation; names differing only in case would confuse teachers, so refuse them too.
    private async Task<bool> NameTakenAsync(string name, int? exceptId, CancellationToken ct)
    {
        var upper = name.ToUpperInvariant();
        return await db.Classes.AnyAsync(c => c.Id != exceptId && c.Name.ToUpper() == upper, ct);
    }

    private Task<bool> HasRoleAsync(string userId, string role, CancellationToken ct) =>
        (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id where ur.UserId == userId && r.Name == role select ur).AnyAsync(ct);

    private static object Snapshot(SchoolClass c) => new { c.Id, c.Name, c.Archived };

    private static object MemberSnapshot(SchoolClass c) => new
    {
        teachers = c.Members.Where(m => m.Role == ClassRole.Teacher).Select(m => m.UserId).Order(StringComparer.Ordinal).ToList(),
        students = c.Members.Where(m => m.Role == ClassRole.Student).Select(m => m.UserId).Order(StringComparer.Ordinal).ToList(),
    };
}

public sealed record ClassChange(SchoolClass? Class, string? Error, bool NotFound = false)
{
    public static readonly ClassChange Missing = new(null, null, NotFound: true);
    public static ClassChange Done(SchoolClass cls) => new(cls, null);
    public static ClassChange Refused(string error) => new(null, error);
    public bool Succeeded => Class is not null;
}
