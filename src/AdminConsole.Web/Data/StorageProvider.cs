using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AdminConsole.Web.Data;

/// <summary>
/// The storage seam, chosen once at start from <see cref="DatabaseOptions.Provider"/> and registered as a singleton:
/// it registers the provider's <see cref="AppDbContext"/> type (and so its migrations), its connection settings and
/// its own background services, and picks the provider's implementation of every hot-path service a feature
/// registers with <see cref="StorageProviderServices.AddPerProvider{TService, TSqlite, TPostgres}"/>. Nothing else
/// in the console asks which engine it runs on.
/// </summary>
public abstract class StorageProvider
{
    public abstract DatabaseProvider Kind { get; }

    /// <summary>
    /// Whether several console instances can run on this database (PostgreSQL), so that what only one instance may
    /// do (host local mode) has to be claimed in it. A SQLite file belongs to the one host it is on.
    /// </summary>
    public abstract bool SharedByInstances { get; }

    /// <summary>Registers the context and whatever this engine needs beside it.</summary>
    internal abstract void AddServices(IServiceCollection services);

    /// <summary>
    /// Held around the migrations at start, so instances starting at once on one database migrate one after the
    /// other; disposing it lets the next one go (which then finds nothing left to apply).
    /// </summary>
    internal virtual Task<IAsyncDisposable> LockMigrationsAsync(CancellationToken ct) => Task.FromResult<IAsyncDisposable>(NoLock.Instance);

    private sealed class NoLock : IAsyncDisposable
    {
        public static readonly NoLock Instance = new();
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>After the migrations: settings that live in the database rather than on a connection.</summary>
    internal virtual Task AfterMigrationsAsync(AppDbContext db, CancellationToken ct) => Task.CompletedTask;

    internal static StorageProvider From(IConfiguration configuration, IHostEnvironment env)
    {
        var options = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var configured = configuration.GetConnectionString("Console")
            ?? throw new InvalidOperationException("ConnectionStrings:Console is not set.");
        return options.Provider switch
        {
            DatabaseProvider.Sqlite => new SqliteStorage(SqliteStorage.ResolvePath(configured, env)),
            DatabaseProvider.Postgres => new PostgresStorage(configured),
            var other => throw new InvalidOperationException($"Database:Provider {other} is not one of Sqlite, Postgres."),
        };
    }

    /// <summary>
    /// A transaction whose reads all see one snapshot and that takes no write lock (long reads such as verifying
    /// the whole log must neither block the webhook writer nor see a purge half-way).
    /// </summary>
    public abstract ValueTask<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken ct);

    /// <summary>
    /// The configured provider's variant of a value, for the rare statement that must be worded per engine outside
    /// the hot paths (an index hint); hot-path services are chosen with <see cref="StorageProviderServices.AddPerProvider{TService, TSqlite, TPostgres}"/>.
    /// </summary>
    public T Choose<T>(T sqlite, T postgres) => Kind == DatabaseProvider.Postgres ? postgres : sqlite;

    /// <summary>The provider of a context made outside the console's services (tools, tests opening a database directly).</summary>
    public static StorageProvider Of(AppDbContext db) => db switch
    {
        PostgresAppDbContext => new PostgresStorage(db.Database.GetConnectionString()!),
        _ => new SqliteStorage(db.Database.GetConnectionString()!),
    };

    /// <summary>The connection string as the provider uses it (SQLite: with the file's absolute path).</summary>
    public abstract string ConnectionString { get; }
}

public static class StorageProviderServices
{
    /// <summary>
    /// Registers both implementations of a hot-path service and resolves <typeparamref name="TService"/> to the one
    /// of the configured provider: the one place a feature's SQLite and PostgreSQL code are told apart.
    /// </summary>
    public static IServiceCollection AddPerProvider<TService, TSqlite, TPostgres>(this IServiceCollection services)
        where TService : class where TSqlite : class, TService where TPostgres : class, TService
    {
        services.AddKeyedSingleton<TService, TSqlite>(DatabaseProvider.Sqlite);
        services.AddKeyedSingleton<TService, TPostgres>(DatabaseProvider.Postgres);
        services.AddSingleton(sp => sp.GetRequiredKeyedService<TService>(sp.GetRequiredService<StorageProvider>().Kind));
        return services;
    }
}

internal sealed class SqliteStorage(string connectionString) : StorageProvider
{
    public override DatabaseProvider Kind => DatabaseProvider.Sqlite;
    public override bool SharedByInstances => false;
    public override string ConnectionString => connectionString;

    internal override void AddServices(IServiceCollection services)
    {
        // Registered before AddDbContext, whose TryAdd then keeps it: "the" context is the SQLite one.
        services.AddScoped<AppDbContext, SqliteAppDbContext>();
        // Options built once: with the default scoped lifetime EF rebuilt them for every scope, which showed up in
        // profiles of the hottest endpoints (every request that touches Identity creates a context).
        services.AddDbContext<AppDbContext>(o => o
            .UseSqlite(ConnectionString)
            .AddInterceptors(new SqlitePragmas()), optionsLifetime: ServiceLifetime.Singleton);
        services.AddHostedService<WalCheckpointer>();
    }

    /// <summary>Deferred: a WAL reader's snapshot starts at its first read and never blocks the writer.</summary>
    public override ValueTask<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken ct) =>
        ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: true));

    internal override async Task AfterMigrationsAsync(AppDbContext db, CancellationToken ct)
    {
        // A database created outside migrations can be in rollback-journal mode (efcore #36369);
        // readers would then block the webhook writer.
        var mode = await db.Database.SqlQueryRaw<string>("PRAGMA journal_mode=WAL").ToListAsync(ct);
        var actual = mode.FirstOrDefault();
        if (!string.Equals(actual, "wal", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"SQLite refused WAL mode (journal_mode={actual}).");
    }

    /// <summary>
    /// A relative SQLite path is taken relative to the content root, not to whatever folder the process was
    /// started from, so `dotnet run` from the repository root and from the project folder use the same file.
    /// </summary>
    internal static string ResolvePath(string configured, IHostEnvironment env)
    {
        var csb = new SqliteConnectionStringBuilder(configured);
        if (csb.DataSource != ":memory:" && csb.Mode != SqliteOpenMode.Memory && !Path.IsPathRooted(csb.DataSource))
        {
            csb.DataSource = Path.GetFullPath(Path.Combine(env.ContentRootPath, csb.DataSource));
        }
        if (csb.Mode != SqliteOpenMode.Memory)
            Directory.CreateDirectory(Path.GetDirectoryName(csb.DataSource)!);
        // Foreign keys are on by default in Microsoft.Data.Sqlite; pooling keeps PRAGMAs cheap.
        csb.Pooling = true;
        return csb.ToString();
    }
}

internal sealed class PostgresStorage(string connectionString) : StorageProvider
{
    public override DatabaseProvider Kind => DatabaseProvider.Postgres;
    public override bool SharedByInstances => true;

    /// <summary>
    /// With automatic preparation unless the connection string says otherwise: the hot paths send the same few
    /// statements thousands of times a second, and a prepared statement skips parsing and planning each time.
    /// </summary>
    public override string ConnectionString { get; } = WithAutoPrepare(connectionString);

    private static string WithAutoPrepare(string configured)
    {
        var csb = new NpgsqlConnectionStringBuilder(configured);
        if (csb.MaxAutoPrepare == 0)
            csb.MaxAutoPrepare = 64;
        return csb.ToString();
    }

    public override async ValueTask<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken ct) =>
        await ((NpgsqlConnection)connection).BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);

    // The session advisory lock every instance takes around its migrations; its key is any fixed number ("AdminMig" in ASCII).
    internal const string LockMigrationsSql = "SELECT pg_advisory_lock(4712011409725942119)";
    internal const string UnlockMigrationsSql = "SELECT pg_advisory_unlock(4712011409725942119)";

    /// <summary>
    /// EF Core 10's Migrate on Npgsql 10 locks the history table (LOCK TABLE … ACCESS EXCLUSIVE) in each migration's
    /// own transaction, but decides which migrations to apply once, before: two instances started at once on an empty
    /// database both applied the second migration, and one failed its start with 42P07 (relation "HealthProbes"
    /// already exists; TwoInstanceTests). A session advisory lock held around the whole Migrate serializes them.
    /// </summary>
    internal override async Task<IAsyncDisposable> LockMigrationsAsync(CancellationToken ct)
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(ct);
        await using (var command = new NpgsqlCommand(LockMigrationsSql, connection))
            await command.ExecuteNonQueryAsync(ct);
        return new MigrationLock(connection);
    }

    private sealed class MigrationLock(NpgsqlConnection connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            // Unlocked explicitly: a pooled connection's session (and so the lock) outlives Dispose.
            await using (var command = new NpgsqlCommand(UnlockMigrationsSql, connection))
                await command.ExecuteNonQueryAsync();
            await connection.DisposeAsync();
        }
    }

    internal override void AddServices(IServiceCollection services)
    {
        services.AddScoped<AppDbContext, PostgresAppDbContext>();
        // synchronous_commit is on unless the server or the connection string turned it off: a webhook's 200
        // means its delivery is flushed to the server's disk (and to a synchronous standby if one is configured).
        services.AddDbContext<AppDbContext>(o => o.UseNpgsql(ConnectionString), optionsLifetime: ServiceLifetime.Singleton);
    }
}
