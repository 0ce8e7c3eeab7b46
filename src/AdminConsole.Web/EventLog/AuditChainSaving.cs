using AdminConsole.Web.Data;

namespace AdminConsole.Web.EventLog;

/// <summary>Every save of the console's database goes through the audit chain (registered by AddEventLog).</summary>
public sealed class AuditChainSaving : ISaveChangesWrapper
{
    public int Save(AppDbContext db, Func<int> save) => AuditChain.Save(db, save);

    public Task<int> SaveAsync(AppDbContext db, Func<CancellationToken, Task<int>> save, CancellationToken cancellationToken) =>
        AuditChain.SaveAsync(db, save, cancellationToken);
}
