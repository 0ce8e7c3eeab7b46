using Microsoft.EntityFrameworkCore.Diagnostics;

namespace AdminConsole.Web.Data;

/// <summary>
/// Runs around every <see cref="AppDbContext"/> save, inside it: added with <c>AddInterceptors</c> like EF's own
/// interceptors (at most one). EF's SaveChanges interceptors cannot wrap the save in the caller's transaction and
/// retry it, which the event log's hash chain needs; this seam lets it do so without Data depending on the event log.
/// </summary>
public interface ISaveChangesWrapper : IInterceptor
{
    int Save(AppDbContext db, Func<int> save);

    Task<int> SaveAsync(AppDbContext db, Func<CancellationToken, Task<int>> save, CancellationToken cancellationToken);
}
