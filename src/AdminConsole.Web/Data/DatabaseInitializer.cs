using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Data;

/// <summary>
/// Runs before the server accepts requests: applies the configured provider's migrations and its database-level
/// settings (SQLite: WAL mode). The accounts' initializer (Users/AccountsInitializer), registered after it, then
/// creates roles and demo data.
/// </summary>
internal sealed class DatabaseInitializer(IServiceProvider services, StorageProvider storage) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        await using (await storage.LockMigrationsAsync(cancellationToken))
        {
            await db.Database.MigrateAsync(cancellationToken);
            await storage.AfterMigrationsAsync(db, cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
