using System.ComponentModel.DataAnnotations;
using AdminConsole.Web.Data;
using AdminConsole.Web.Shared;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Classes;

public class DetailsModel(ClassAdministration administration, AppDbContext db) : PageModel
{
    /// <summary>How many candidates a select offers; the search narrows larger schools down.</summary>
    public const int CandidateLimit = 50;

    [TempData]
    public string? StatusMessage { get; set; }

    [BindProperty]
    public RenameInput Rename { get; set; } = new();

    /// <summary>Narrows the teacher and student selects by name or email.</summary>
    [BindProperty(SupportsGet = true, Name = "find")]
    public string? Find { get; set; }

    public SchoolClass Class { get; private set; } = null!;
    public IReadOnlyList<Member> Teachers { get; private set; } = [];
    public IReadOnlyList<Member> Students { get; private set; } = [];
    public IReadOnlyList<Member> TeacherCandidates { get; private set; } = [];
    public IReadOnlyList<Member> StudentCandidates { get; private set; } = [];

    public sealed record Member(string Id, string DisplayName, string Email);

    public sealed class RenameInput
    {
        [Required, StringLength(100, MinimumLength = 1)]
        public string Name { get; set; } = "";
    }

    public async Task<IActionResult> OnGetAsync(int id, CancellationToken ct)
    {
        if (!await LoadAsync(id, ct)) return NotFound();
        Rename.Name = Class.Name;
        return Page();
    }

    public async Task<IActionResult> OnPostRenameAsync(int id, CancellationToken ct)
    {
        if (!ModelState.IsValid)
            return await LoadAsync(id, ct) ? Page() : NotFound();
        var result = await administration.RenameAsync(User, id, Rename.Name, ct);
        if (result.NotFound) return NotFound();
        if (!result.Succeeded)
        {
            ModelState.AddModelError("Rename.Name", result.Error!);
            return await LoadAsync(id, ct) ? Page() : NotFound();
        }
        return Done(id, $"Renamed to {result.Class!.Name}.");
    }

    public async Task<IActionResult> OnPostArchiveAsync(int id, CancellationToken ct) =>
        Outcome(id, await administration.SetArchivedAsync(User, id, archived: true, ct), "Archived: its channels refuse new subscriptions until it is restored.");

    public async Task<IActionResult> OnPostRestoreAsync(int id, CancellationToken ct) =>
        Outcome(id, await administration.SetArchivedAsync(User, id, archived: false, ct), "Restored.");

    public async Task<IActionResult> OnPostAddTeacherAsync(int id, string? userId, CancellationToken ct) =>
        Outcome(id, await administration.AddMemberAsync(User, id, userId ?? "", ClassRole.Teacher, ct), "Teacher assigned.");

    public async Task<IActionResult> OnPostAddStudentAsync(int id, string? userId, CancellationToken ct) =>
        Outcome(id, await administration.AddMemberAsync(User, id, userId ?? "", ClassRole.Student, ct), "Student enrolled.");

    public async Task<IActionResult> OnPostRemoveMemberAsync(int id, string? userId, CancellationToken ct) =>
        Outcome(id, await administration.RemoveMemberAsync(User, id, userId ?? "", ct), "Removed from the class.");

    private IActionResult Outcome(int id, ClassChange change, string message) =>
        change.NotFound ? NotFound() : Done(id, change.Succeeded ? message : "Error: " + change.Error);

    private RedirectToPageResult Done(int id, string message)
    {
        StatusMessage = message;
        return RedirectToPage(new { id, find = Find });
    }

    private async Task<bool> LoadAsync(int id, CancellationToken ct)
    {
        var cls = await db.Classes.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
        if (cls is null) return false;
        Class = cls;

        var members = await db.ClassMemberships.AsNoTracking().Where(m => m.ClassId == id)
            .Select(m => new { m.Role, m.UserId, m.User!.DisplayName, m.User.Email }).ToListAsync(ct);
        Teachers = [.. members.Where(m => m.Role == ClassRole.Teacher).Select(m => new Member(m.UserId, m.DisplayName, m.Email ?? "")).OrderBy(m => m.DisplayName)];
        Students = [.. members.Where(m => m.Role == ClassRole.Student).Select(m => new Member(m.UserId, m.DisplayName, m.Email ?? "")).OrderBy(m => m.DisplayName)];

        var memberIds = members.Select(m => m.UserId).ToList();
        TeacherCandidates = await CandidatesAsync(Roles.Teacher, memberIds, ct);
        StudentCandidates = await CandidatesAsync(Roles.Student, memberIds, ct);
        return true;
    }

    private async Task<IReadOnlyList<Member>> CandidatesAsync(string role, List<string> exclude, CancellationToken ct)
    {
        var users = from u in db.Users
                    join ur in db.UserRoles on u.Id equals ur.UserId
                    join r in db.Roles on ur.RoleId equals r.Id
                    where r.Name == role && !exclude.Contains(u.Id)
                    select u;
        if (!string.IsNullOrWhiteSpace(Find))
        {
            var pattern = TextMatch.ContainsPattern(Find.Trim());
            users = users.Where(u => TextMatch.Like(u.DisplayName, pattern) || TextMatch.Like(u.Email, pattern));
        }
        return await users.OrderBy(u => u.DisplayName).Take(CandidateLimit)
            .Select(u => new Member(u.Id, u.DisplayName, u.Email ?? "")).ToListAsync(ct);
    }
}
