using AdminConsole.Web.Data;
using AdminConsole.Web.Shared;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Users;

public class IndexModel(AppDbContext db, TimeProvider time) : PageModel
{
    public const int PageSize = 25;

    [BindProperty(SupportsGet = true, Name = "q")]
    public string? Query { get; set; }

    // Not "page": Razor Pages reserves that route value for the page's own name.
    [BindProperty(SupportsGet = true, Name = "p")]
    public int PageNumber { get; set; } = 1;

    [TempData]
    public string? StatusMessage { get; set; }

    public IReadOnlyList<Row> Rows { get; private set; } = [];
    public int Total { get; private set; }
    public int PageCount => Math.Max(1, (Total + PageSize - 1) / PageSize);

    public sealed record Row(string Id, string Email, string DisplayName, IReadOnlyList<string> Roles, bool LockedOut);

    public async Task OnGetAsync(CancellationToken ct)
    {
        var users = db.Users.AsNoTracking().OrderBy(u => u.DisplayName).ThenBy(u => u.Email)
            .Select(u => new Account(u.Id, u.Email, u.DisplayName, u.LockoutEnd));
        List<Account> page;
        if (string.IsNullOrWhiteSpace(Query))
        {
            Total = await users.CountAsync(ct);
            PageNumber = Math.Clamp(PageNumber, 1, PageCount);
            page = await users.Skip((PageNumber - 1) * PageSize).Take(PageSize).ToListAsync(ct);
        }
        else
        {
            // Matched in .NET so accents are ignored on every provider (SearchText). A school has thousands of
            // accounts, not millions: with 10,007 accounts the whole search page took 18 ms at best and 82 ms median
            // (20 requests, 2 cores under a load average of 30), against 10 and 18 ms for the unfiltered first page.
            var folded = SearchText.Fold(Query.Trim());
            var matches = (await users.ToListAsync(ct))
                .Where(u => SearchText.Contains(u.DisplayName, folded) || SearchText.Contains(u.Email, folded)).ToList();
            Total = matches.Count;
            PageNumber = Math.Clamp(PageNumber, 1, PageCount);
            page = [.. matches.Skip((PageNumber - 1) * PageSize).Take(PageSize)];
        }

        var ids = page.Select(u => u.Id).ToList();
        var roles = await (from ur in db.UserRoles
                           join r in db.Roles on ur.RoleId equals r.Id
                           where ids.Contains(ur.UserId)
                           select new { ur.UserId, r.Name }).ToListAsync(ct);

        var now = time.GetUtcNow();
        Rows = [.. page.Select(u => new Row(u.Id, u.Email ?? "", u.DisplayName,
            [.. roles.Where(r => r.UserId == u.Id).Select(r => r.Name!).Order(StringComparer.Ordinal)],
            u.LockoutEnd > now))];
    }

    private sealed record Account(string Id, string? Email, string DisplayName, DateTimeOffset? LockoutEnd);
}
