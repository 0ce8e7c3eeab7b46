using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;

namespace AdminConsole.Web.EventLog;

/// <summary>
/// The log page's filter, bound from the query string (so a filtered view is a shareable URL) by the page, the
/// CSV export and the live feed alike. Empty fields do not filter.
/// </summary>
public sealed class EventLogFilter
{
    /// <summary>Exact <see cref="AuditKinds"/> value.</summary>
    public string? Kind { get; set; }

    /// <summary>An exact channel name, or a prefix ending in <c>*</c> (<c>private-class-*</c>).</summary>
    public string? Channel { get; set; }

    /// <summary>The actor: an email as shown in the log, "Pusher" or "system".</summary>
    public string? User { get; set; }

    public string? Event { get; set; }

    public string? Outcome { get; set; }

    /// <summary>Inclusive lower bound, UTC, as an HTML datetime-local value or ISO 8601.</summary>
    public string? From { get; set; }

    /// <summary>Exclusive upper bound, UTC.</summary>
    public string? To { get; set; }

    /// <summary>Free text searched in payloads (case-insensitive for ASCII).</summary>
    public string? Q { get; set; }

    public bool IsEmpty =>
        Kind is null && Channel is null && User is null && Event is null && Outcome is null && From is null && To is null && Q is null;

    /// <summary>Trims fields and turns blanks into "no filter".</summary>
    public EventLogFilter Normalized() => new()
    {
        Kind = Blank(Kind),
        Channel = Blank(Channel),
        User = Blank(User),
        Event = Blank(Event),
        Outcome = Blank(Outcome),
        From = Blank(From),
        To = Blank(To),
        Q = Blank(Q),
    };

    public IQueryable<AuditEntry> Apply(IQueryable<AuditEntry> query)
    {
        if (Kind is { } kind) query = query.Where(e => e.Kind == kind);
        if (User is { } user) query = query.Where(e => e.ActorName == user);
        if (Event is { } eventName) query = query.Where(e => e.EventName == eventName);
        if (Outcome is { } outcome) query = query.Where(e => e.Outcome == outcome);
        if (FromUtc is { } from) query = query.Where(e => e.TimeUtc >= from);
        if (ToUtc is { } to) query = query.Where(e => e.TimeUtc < to);
        if (Channel is { } channel)
        {
            if (ChannelPrefix(channel) is { } prefix)
            {
                // A prefix matches many channels (private-class-* is a third of the log), so the (Channel, Id) index
                // would return every matching row, to be sorted by Id for one page. Concatenating '' keeps SQLite off
                // that index (like its unary +): the page walks the primary key newest first and stops after one
                // page, reading about pageSize / share-of-matches rows (measured: README, event log benchmark).
                var upper = prefix[..^1] + (char)(prefix[^1] + 1);
                query = query.Where(e => string.Compare(e.Channel + "", prefix) >= 0 && string.Compare(e.Channel + "", upper) < 0);
            }
            else
            {
                query = query.Where(e => e.Channel == channel);
            }
        }
        if (Q is { } text)
        {
            var pattern = "%" + text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
            query = query.Where(e => EF.Functions.Like(e.Data, pattern, "\\"));
        }
        return query;
    }

    /// <summary>The same predicate in memory, for the live feed deciding which new entries a page shows.</summary>
    public bool Matches(AuditEntry e) =>
        (Kind is null || e.Kind == Kind)
        && (User is null || e.ActorName == User)
        && (Event is null || e.EventName == Event)
        && (Outcome is null || e.Outcome == Outcome)
        && (FromUtc is not { } from || e.TimeUtc >= from)
        && (ToUtc is not { } to || e.TimeUtc < to)
        && (Channel is null || (ChannelPrefix(Channel) is { } p ? e.Channel?.StartsWith(p, StringComparison.Ordinal) == true : e.Channel == Channel))
        && (Q is null || e.Data?.Contains(Q, StringComparison.OrdinalIgnoreCase) == true);

    private static string? ChannelPrefix(string channel) =>
        channel.EndsWith('*') && channel.Length > 1 ? channel[..^1] : null;

    /// <summary>The filter as query-string values (page links, the export link, the export's audit entry).</summary>
    public Dictionary<string, string?> ToQuery()
    {
        var q = new Dictionary<string, string?>();
        if (Kind is not null) q["kind"] = Kind;
        if (Channel is not null) q["channel"] = Channel;
        if (User is not null) q["user"] = User;
        if (Event is not null) q["event"] = Event;
        if (Outcome is not null) q["outcome"] = Outcome;
        if (From is not null) q["from"] = From;
        if (To is not null) q["to"] = To;
        if (Q is not null) q["q"] = Q;
        return q;
    }

    public override string ToString()
    {
        var q = ToQuery();
        if (q.Count == 0) return "(no filter)";
        var sb = new StringBuilder();
        foreach (var (k, v) in q)
            sb.Append(sb.Length > 0 ? ", " : "").Append(k).Append('=').Append(v);
        return sb.ToString();
    }

    public DateTime? FromUtc => ParseUtc(From);
    public DateTime? ToUtc => ParseUtc(To);

    /// <summary>Problems to show beside the filter form; an invalid filter is not run.</summary>
    public IEnumerable<(string Field, string Message)> Errors()
    {
        if (From is not null && FromUtc is null) yield return (nameof(From), "From is not a date and time (UTC).");
        if (To is not null && ToUtc is null) yield return (nameof(To), "To is not a date and time (UTC).");
        if (FromUtc is { } f && ToUtc is { } t && t <= f) yield return (nameof(To), "To must be later than From.");
        if (Channel is "*") yield return (nameof(Channel), "A channel prefix needs at least one character before the *.");
    }

    /// <summary>Times without an offset are UTC, whatever the server's time zone: the log shows UTC only.</summary>
    private static DateTime? ParseUtc(string? s) =>
        DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t : null;

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
