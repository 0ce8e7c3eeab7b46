using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AdminConsole.Web.Data;

/// <summary>
/// Readiness: the database takes a write (a read-only file system or a full disk fails it, where a read would still
/// pass), and no request has met a storage failure in the last <see cref="RecentFailure"/>: a probe write can fit in
/// space the WAL already owns while a larger write fails.
/// </summary>
internal sealed class DatabaseWritableCheck(AppDbContext db, StorageFailure failures, TimeProvider time) : IHealthCheck
{
    internal static readonly TimeSpan RecentFailure = TimeSpan.FromSeconds(10);

    internal const string UpsertSql =
        """INSERT INTO "HealthProbes" ("Host", "AtUtc") VALUES ({0}, {1}) ON CONFLICT ("Host") DO UPDATE SET "AtUtc" = excluded."AtUtc" """;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var host = Environment.MachineName;
        try
        {
            // One statement both providers know, so concurrent checks (or hosts) never race an insert.
            await db.Database.ExecuteSqlRawAsync(UpsertSql, [host, now.UtcDateTime], cancellationToken);
        }
        catch (DbException ex) // every provider's failure, storage or not: a probe that cannot write is not ready
        {
            failures.Observe(ex);
            // The exception's message names the failure (disk full, read-only); it carries no connection string.
            return HealthCheckResult.Unhealthy("The database cannot be written: " + ex.GetBaseException().Message);
        }
        return failures.LastFailure is { } last && now - last < RecentFailure
            ? HealthCheckResult.Degraded($"A request met a storage failure {(now - last).TotalSeconds:0} s ago.")
            : HealthCheckResult.Healthy();
    }
}
