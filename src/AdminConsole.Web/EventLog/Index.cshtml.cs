using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace AdminConsole.Web.EventLog;

/// <summary>
/// The auditor's log: filter, page (keyset), expand, export, verify. Read-only for everyone: the log has no write
/// action; verification only reads.
/// </summary>
public class IndexModel(EventLogQuery query, EventLogSearch search, AuditChainVerifier verifier, ILogBacklog backlog, IOptions<EventLogOptions> options) : PageModel
{
    public EventLogFilter Filter { get; private set; } = new();
    public LogNames Names { get; private set; } = LogNames.None;
    public LogPage Results { get; private set; } = new([], null, null);
    public ChainVerdict? Verdict { get; private set; }
    public int? RetentionDays => options.Value.RetentionDays;
    public bool IsFirstPage { get; private set; }
    public int DeliveriesNotYetLogged { get; private set; }

    public static IReadOnlyList<string> Kinds { get; } = typeof(AuditKinds).GetFields()
        .Where(f => f.IsLiteral && f.FieldType == typeof(string)).Select(f => (string)f.GetRawConstantValue()!).Order(StringComparer.Ordinal).ToList();

    /// <summary>The outcomes the console's writers use (a free-form column; these are the ones to pick from).</summary>
    public static IReadOnlyList<string> Outcomes { get; } =
        ["accepted", "allowed", "corrected", "duplicate", "failure", "malformed", "not-sent", "refused", "rejected", "success", "unreadable"];

    public async Task OnGetAsync(EventLogFilter filter, long? before, long? after, CancellationToken ct)
    {
        await LoadAsync(filter, before, after, ct);
    }

    public async Task OnGetVerifyAsync(EventLogFilter filter, CancellationToken ct)
    {
        Verdict = await verifier.VerifyAsync(ct: ct);
        await LoadAsync(filter, null, null, ct);
    }

    /// <summary>The verification's findings as CSV (every broken place, capped like the page), for the incident report.</summary>
    public async Task<IActionResult> OnGetVerifyCsvAsync(CancellationToken ct)
    {
        var verdict = await verifier.VerifyAsync(ct: ct);
        var csv = new System.Text.StringBuilder("id,finding\r\n");
        foreach (var b in verdict.Breaks)
            csv.Append(b.Id).Append(",\"").Append(b.Message.Replace("\"", "\"\"", StringComparison.Ordinal)).Append("\"\r\n");
        if (verdict.MoreBreaks)
            csv.Append(",\"More broken places exist than the first ").Append(AuditChainVerifier.MaxBreaksReported).Append(" listed.\"\r\n");
        Response.Headers.CacheControl = "no-store";
        return File(System.Text.Encoding.UTF8.GetBytes(csv.ToString()), "text/csv; charset=utf-8", "verification.csv");
    }

    private async Task LoadAsync(EventLogFilter filter, long? before, long? after, CancellationToken ct)
    {
        Filter = await search.ResolveAsync(filter, ct);
        foreach (var (field, message) in Filter.Errors())
            ModelState.AddModelError(field, message);
        if (!ModelState.IsValid)
            return;
        IsFirstPage = before is null && after is null;
        Results = await query.PageAsync(Filter, before, after, ct: ct);
        Names = await search.NamesAsync(ct);
        DeliveriesNotYetLogged = await backlog.DeliveriesNotYetLoggedAsync(ct);
    }

    /// <summary>Query-string values for a link that keeps the filter.</summary>
    public Dictionary<string, string?> Route(long? before = null, long? after = null, string? handler = null)
    {
        var values = Filter.ToQuery();
        if (before is not null) values["before"] = before.ToString();
        if (after is not null) values["after"] = after.ToString();
        if (handler is not null) values["handler"] = handler;
        return values;
    }

    public Dictionary<string, string?> VerifyRoute => Route(handler: "Verify");

    public string ExportUrl => "/EventLog/export.csv" + QueryString.Create(Filter.ToQuery());

    public string JsonLinesUrl => "/EventLog/export.jsonl" + QueryString.Create(Filter.ToQuery());

    /// <summary>What the Live switch needs to match new entries as the server does (the people matched by the user filter).</summary>
    public string LiveFilterJson
    {
        get
        {
            var live = Filter.ToQuery().ToDictionary(p => p.Key, p => (object?)p.Value);
            if (Filter.User is not null) live["actorNames"] = Filter.ActorNames;
            if (Filter.HidesMachineEvents) live["machineKinds"] = EventLogFilter.MachineKinds;
            return JsonSerializer.Serialize(live);
        }
    }
}
