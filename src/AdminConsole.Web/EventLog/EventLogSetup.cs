using AdminConsole.Web.Data;
using AdminConsole.Web.Shared;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace AdminConsole.Web.EventLog;

public static class EventLogSetup
{
    public static void AddEventLog(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<EventLogOptions>()
            .BindConfiguration(EventLogOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        // The one registration of the audit trail every feature writes to.
        builder.Services.AddSingleton<AuditTrail>();
        builder.Services.ConfigureDbContext<AppDbContext>(o => o.AddInterceptors(new AuditChainSaving()));
        // The writers that append without SaveChanges (webhooks, channel-auth decisions): prepared statements on
        // SQLite, one batched insert per transaction on PostgreSQL.
        builder.Services.AddPerProvider<IAuditAppenders, SqliteAuditAppender.Factory, PostgresAuditAppender.Factory>();
        builder.Services.AddScoped<AuditChainVerifier>();
        builder.Services.AddScoped<EventLogQuery>();
        builder.Services.AddScoped<EventLogSearch>();
        builder.Services.AddSingleton<ActorCatalog>();
        builder.Services.AddScoped<ActivityChart>();
        builder.Services.AddScoped<EventLogRetention>();
        builder.Services.AddHostedService<RetentionWorker>();
        builder.Services.AddHostedService<EventLogFeed>();
    }

    public static void MapEventLog(this WebApplication app)
    {
        var log = app.MapGroup("/EventLog").RequireAuthorization(Policies.EventLog);
        log.MapGet("/export.csv", ([AsParameters] EventLogFilter filter, HttpContext http, [AsParameters] ExportServices services, CancellationToken ct) =>
            ExportAsync(filter, http, services, "csv", ct));
        log.MapGet("/export.jsonl", ([AsParameters] EventLogFilter filter, HttpContext http, [AsParameters] ExportServices services, CancellationToken ct) =>
            ExportAsync(filter, http, services, "jsonl", ct));
        log.MapGet("/activity", ActivityAsync);
    }

    /// <summary>What an export needs from the container.</summary>
    public sealed record ExportServices(AppDbContext Db, AuditTrail Trail, EventLogQuery Query, EventLogSearch Search, TimeProvider Time);

    /// <summary>
    /// The current filter as CSV or JSON lines, streamed; the export itself is audited before the first byte.
    /// A time preset is resolved once, here, so the file and its audit entry name the same fixed window.
    /// </summary>
    private static async Task<Results<ValidationProblem, PushStreamHttpResult>> ExportAsync(
        EventLogFilter filter, HttpContext http, ExportServices services, string format, CancellationToken ct)
    {
        var (db, trail, query, search, time) = services;
        filter = await search.ResolveAsync(filter, ct);
        var errors = filter.Errors().ToList();
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()));

        // The export is the log as of this moment: entries written while it streams (its own record included)
        // are left out, so the file is a consistent, repeatable snapshot.
        var throughId = await query.NewestIdAsync(ct);
        trail.Add(db, AuditKinds.LogExported, Actor.From(http.User), target: "log", outcome: "success",
            data: new { filter = filter.ToQuery(), throughId, format });
        await db.SaveChangesAsync(ct);

        // The log holds who did what: no browser or proxy keeps a copy.
        http.Response.Headers.CacheControl = "no-store";
        var fileName = $"event-log-{time.GetUtcNow():yyyyMMdd-HHmmss}Z.{format}";
        return format == "jsonl"
            ? TypedResults.Stream(stream => EventLogJsonLines.WriteAsync(stream, query.StreamAsync(filter, throughId, ct: ct), ct),
                EventLogJsonLines.ContentType, fileName)
            : TypedResults.Stream(stream => EventLogCsv.WriteAsync(stream, query.StreamAsync(filter, throughId, ct: ct), ct),
                "text/csv; charset=utf-8", fileName);
    }

    private static async Task<Results<Ok<ActivityChartData>, ValidationProblem>> ActivityAsync(
        ActivityChart chart, CancellationToken ct, [FromQuery] string range = "hour")
    {
        if (!ActivityChart.Ranges.ContainsKey(range))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["range"] = [$"range must be one of {string.Join(", ", ActivityChart.Ranges.Keys)}."] });
        return TypedResults.Ok(await chart.ReadAsync(range, ct));
    }
}
