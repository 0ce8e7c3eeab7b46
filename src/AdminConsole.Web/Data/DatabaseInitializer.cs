using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Data;

/// <summary>
/// Runs before the server accepts requests: applies migrations and makes sure the database is in WAL mode. The
/// accounts' initializer (Users/AccountsInitializer), registered after it, then creates roles and demo data.
/// </summary>
internal sealed class DatabaseInitializer(
    IServiceProvider services) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        await db.Database.MigrateAsync(cancellationToken);
        await EnsureWalAsync(db, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task EnsureWalAsync(AppDbContext db, CancellationToken ct)
    {
        // A database created outside migrations can be in rollback-journal mode (efcore #36369);
        // readers would then block the webhook writer.
        var mode = await db.Database.SqlQueryRaw<string>("PRAGMA journal_mode=WAL").ToListAsync(ct);
        var actual = mode.FirstOrDefault();
        if (!string.Equals(actual, "wal", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"SQLite refused WAL mode (journal_mode={actual}).");
    }
}
