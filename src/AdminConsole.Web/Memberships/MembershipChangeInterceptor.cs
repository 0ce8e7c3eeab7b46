using System.Runtime.CompilerServices;
using AdminConsole.Web.Classes;
using AdminConsole.Web.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace AdminConsole.Web.Memberships;

/// <summary>
/// Invalidates <see cref="MembershipCache"/> whenever a save touches class memberships, classes, role assignments
/// or users, so pages that change them cannot forget to. The version is bumped before the save (no reader caches
/// the old state under the new version) and again after the commit (a reader that loaded in between is dropped).
/// Inside an explicit transaction (user and role changes run several saves in one) "after the commit" is the
/// transaction's commit or rollback, not the save: a reader in between still sees the old rows. After the commit the
/// other instances are told too (<see cref="MembershipCache.ChangeCommitted"/>).
/// </summary>
internal sealed class MembershipChangeInterceptor(MembershipCache cache) : SaveChangesInterceptor
{
    private static readonly ConditionalWeakTable<DbContext, object> Pending = new();

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Note(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Note(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Done(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Done(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Done(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Done(eventData.Context);
        return Task.CompletedTask;
    }

    private void Note(DbContext? context)
    {
        if (context is null || !Touches(context)) return;
        Pending.AddOrUpdate(context, this);
        cache.InvalidateAll();
    }

    private void Done(DbContext? context)
    {
        if (context is null || context.Database.CurrentTransaction is not null)
            return; // MembershipCommitInterceptor finishes it when the transaction ends
        if (Pending.Remove(context))
            cache.ChangeCommitted();
    }

    internal void TransactionEnded(DbContext? context)
    {
        if (context is not null && Pending.Remove(context))
            cache.ChangeCommitted();
    }

    private static bool Touches(DbContext context)
    {
        foreach (var entry in context.ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified or EntityState.Deleted)) continue;
            if (entry.Entity is ClassMembership or SchoolClass or IdentityUserRole<string> or AppUser or IdentityRole)
                return true;
        }
        return false;
    }
}

/// <summary>Completes <see cref="MembershipChangeInterceptor"/>'s invalidation when an explicit transaction ends.</summary>
internal sealed class MembershipCommitInterceptor(MembershipChangeInterceptor changes) : DbTransactionInterceptor
{
    public override void TransactionCommitted(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData) =>
        changes.TransactionEnded(eventData.Context);

    public override Task TransactionCommittedAsync(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        changes.TransactionEnded(eventData.Context);
        return Task.CompletedTask;
    }

    public override void TransactionRolledBack(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData) =>
        changes.TransactionEnded(eventData.Context);

    public override Task TransactionRolledBackAsync(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        changes.TransactionEnded(eventData.Context);
        return Task.CompletedTask;
    }
}
