using AdminConsole.Web.Data;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Classes;

public class IndexModel(AppDbContext db) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public bool ShowArchived { get; set; }

    [TempData]
    public string? StatusMessage { get; set; }

    public IReadOnlyList<Row> Rows { get; private set; } = [];

    public sealed record Row(int Id, string Name, bool Archived, IReadOnlyList<string> Teachers, int Students);

    public async Task OnGetAsync(CancellationToken ct)
    {
        var rows = await db.Classes.AsNoTracking()
            .Where(c => ShowArchived || !c.Archived)
            .OrderBy(c => c.Name)
            .Select(c => new
            {
                c.Id, c.Name, c.Archived,
                Teachers = c.Members.Where(m => m.Role == ClassRole.Teacher).Select(m => m.User!.DisplayName).ToList(),
                Students = c.Members.Count(m => m.Role == ClassRole.Student),
            })
            .ToListAsync(ct);
        Rows = [.. rows.Select(r => new Row(r.Id, r.Name, r.Archived, r.Teachers, r.Students))];
    }
}
