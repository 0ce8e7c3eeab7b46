using AdminConsole.Web.Data;
using AdminConsole.Web.EventLog;
using AdminConsole.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminConsole.Web.Tests.EventLog;

/// <summary>Writes entries the way features do (AuditTrail + SaveChanges) and tampers with the file the way an attacker would.</summary>
internal static class EventLogTestData
{
    public static async Task<List<AuditEntry>> WriteAsync(this ConsoleFactory factory, int count,
        Func<int, (string Kind, string? Channel, string? EventName, string? Outcome, string? Data)>? shape = null, Actor? actor = null,
        string? target = null)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var trail = scope.ServiceProvider.GetRequiredService<AuditTrail>();
        var written = new List<AuditEntry>();
        for (var i = 0; i < count; i++)
        {
            var (kind, channel, eventName, outcome, data) = shape?.Invoke(i) ?? (AuditKinds.EventSent, "private-class-1", "announcement", "success", $"{{\"n\":{i}}}");
            written.Add(trail.Add(db, kind, actor ?? new Actor(null, "tests@school.test"), target: target, data: data, channel: channel, eventName: eventName, outcome: outcome));
        }
        await db.SaveChangesAsync();
        return written;
    }

    public static async Task<T> WithDbAsync<T>(this ConsoleFactory factory, Func<AppDbContext, Task<T>> work)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<AppDbContext>());
    }

    public static Task<ChainVerdict> VerifyAsync(this ConsoleFactory factory, int batchSize = 7) =>
        factory.WithDbAsync(db => new AuditChainVerifier(db).VerifyAsync(batchSize));

    public static Task<long> MaxIdAsync(this ConsoleFactory factory) =>
        factory.WithDbAsync(db => db.AuditEntries.MaxAsync(e => (long?)e.Id).ContinueWith(t => t.Result ?? 0));

    /// <summary>
    /// Runs SQL on the database behind the console's back, as someone with access to the file or the server could.
    /// The SQL must read the same on both providers (quoted names); a <paramref name="blob"/> is bound as @blob.
    /// </summary>
    public static async Task TamperAsync(this ConsoleFactory factory, string sql, byte[]? blob = null)
    {
        await using var connection = factory.CreateDirectConnection();
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        if (blob is not null)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = "@blob";
            p.Value = blob;
            cmd.Parameters.Add(p);
        }
        await cmd.ExecuteNonQueryAsync();
    }
}
