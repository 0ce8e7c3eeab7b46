using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.Data;

public static class DataSetup
{
    public static void AddData(this WebApplicationBuilder builder)
    {
        var connectionString = SqliteConnectionString(builder.Configuration, builder.Environment);
        // Options built once: with the default scoped lifetime EF rebuilt them for every scope, which showed up in
        // profiles of the hottest endpoints (every request that touches Identity creates a context).
        builder.Services.AddDbContext<AppDbContext>(o => o
            .UseSqlite(connectionString)
            .AddInterceptors(new SqlitePragmas()), optionsLifetime: ServiceLifetime.Singleton);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<DatabaseInitializer>();
        builder.Services.AddHostedService<WalCheckpointer>();
        builder.Services.AddSingleton<StorageFailure>();
        builder.Services.AddHealthChecks().AddCheck<DatabaseWritableCheck>("database", tags: ["ready"]);
    }

    /// <summary>
    /// A relative SQLite path is taken relative to the content root, not to whatever folder the process was
    /// started from, so `dotnet run` from the repository root and from the project folder use the same file.
    /// </summary>
    internal static string SqliteConnectionString(IConfiguration configuration, IHostEnvironment env)
    {
        var configured = configuration.GetConnectionString("Console")
            ?? throw new InvalidOperationException("ConnectionStrings:Console is not set.");
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
