using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminConsole.Web.Tests.Data;

/// <summary>Start-up migrates whichever provider is configured, with that provider's own migrations. Run on both.</summary>
public abstract class MigrationTests<TFactory>(TFactory factory) : IClassFixture<TFactory> where TFactory : ConsoleFactory
{
    protected TFactory Factory => factory;

    protected abstract Type ExpectedContext { get; }

    [Fact]
    public async Task Start_up_applies_every_migration_of_the_configured_provider_and_the_model_matches_them()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        Assert.IsType(ExpectedContext, db);
        var all = db.Database.GetMigrations().ToList();
        Assert.NotEmpty(all);
        Assert.Equal(all, await db.Database.GetAppliedMigrationsAsync());
        // A model change without a migration for this provider (`dotnet ef migrations add … --context …`) fails here.
        Assert.False(db.Database.HasPendingModelChanges(), $"{ExpectedContext.Name} has model changes without a migration (docs/migrations.md).");
        Assert.Equal(factory.Provider == DatabaseProvider.Postgres ? "Npgsql.EntityFrameworkCore.PostgreSQL" : "Microsoft.EntityFrameworkCore.Sqlite", db.Database.ProviderName);
    }

    [Fact]
    public async Task The_audit_chain_state_row_exists_after_migrating()
    {
        var state = await factory.QueryAsync(db => db.AuditChainStates.AsNoTracking().SingleAsync());
        Assert.Equal(AuditChainState.SingletonId, state.Id);
    }
}

public sealed class MigrationTests(ConsoleFactory factory) : MigrationTests<ConsoleFactory>(factory)
{
    protected override Type ExpectedContext => typeof(SqliteAppDbContext);

    /// <summary>
    /// Existing SQLite databases record these ids in __EFMigrationsHistory: they must never be regenerated or
    /// renamed, or start-up would try to create tables that exist.
    /// </summary>
    [Fact]
    public async Task The_sqlite_migrations_keep_the_ids_existing_databases_recorded()
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var ids = scope.ServiceProvider.GetRequiredService<AppDbContext>().Database.GetMigrations().ToList();
        Assert.Equal(["20261126113154_Initial", "20261126154529_WebhookLogCursor", "20261130075701_ApiTokens", "20261130091523_UserSessions"], ids.Take(4));
        Assert.Equal(ids.Count, (await scope.ServiceProvider.GetRequiredService<AppDbContext>().Database.GetAppliedMigrationsAsync()).Count());
    }
}

public sealed class MigrationTestsOnPostgres(ConsoleFactory.OnPostgres factory) : MigrationTests<ConsoleFactory.OnPostgres>(factory)
{
    protected override Type ExpectedContext => typeof(PostgresAppDbContext);
}
