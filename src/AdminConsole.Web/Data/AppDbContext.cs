using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace AdminConsole.Web.Data;

/// <summary>
/// The console's one database: Identity plus the features' tables. Each feature owns its entities, their
/// <see cref="IEntityTypeConfiguration{TEntity}"/> (table names explicit, as the migrations created them) and the
/// extension members through which it reaches its sets (<c>db.Classes</c>), so this project folder knows no feature.
/// Abstract: the instance is the configured provider's <see cref="SqliteAppDbContext"/> or
/// <see cref="PostgresAppDbContext"/>, each with its own migrations (EF picks migrations by the context's type).
/// Both take <c>DbContextOptions&lt;AppDbContext&gt;</c>, so everything that configures "the" context
/// (<c>ConfigureDbContext&lt;AppDbContext&gt;</c>) applies whichever provider runs.
/// </summary>
public abstract class AppDbContext(DbContextOptions options) : IdentityDbContext<AppUser>(options), IDataProtectionKeyContext
{
    /// <summary>
    /// The keys that protect sign-in cookies and antiforgery tokens, kept with the data: every instance on this database
    /// reads the same ring, so a cookie issued by one is accepted by another and survives restarts and redeploys.
    /// </summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    /// <summary>Named leases for what must run once per cluster (<see cref="Leases"/>).</summary>
    public DbSet<Lease> Leases => Set<Lease>();

    // The event log seals added audit entries into its hash chain in the same transaction (EventLog/AuditChain.cs).
    private readonly ISaveChangesWrapper? _wrapper =
        options.FindExtension<CoreOptionsExtension>()?.Interceptors?.OfType<ISaveChangesWrapper>().SingleOrDefault();

    public override int SaveChanges(bool acceptAllChangesOnSuccess) =>
        _wrapper is null
            ? base.SaveChanges(acceptAllChangesOnSuccess)
            : _wrapper.Save(this, () => base.SaveChanges(acceptAllChangesOnSuccess));

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default) =>
        _wrapper is null
            ? base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken)
            : _wrapper.SaveAsync(this, ct => base.SaveChangesAsync(acceptAllChangesOnSuccess, ct), cancellationToken);

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        // Feature folders keep their own IEntityTypeConfiguration<T> classes next to their entities.
        builder.ApplyConfigurationsFromAssembly(typeof(AppDbContext).Assembly);
    }
}

/// <summary>The console on SQLite; its migrations are in Migrations/Sqlite.</summary>
public sealed class SqliteAppDbContext(DbContextOptions<AppDbContext> options) : AppDbContext(options)
{
    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        TextMatch.MapForSqlite(builder);
    }
}

/// <summary>The console on PostgreSQL; its migrations are in Migrations/Postgres.</summary>
public sealed class PostgresAppDbContext(DbContextOptions<AppDbContext> options) : AppDbContext(options)
{
    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        TextMatch.MapForPostgres(builder);
    }
}
