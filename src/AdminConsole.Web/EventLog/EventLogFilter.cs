using System.Globalization;
using System.Text;
using AdminConsole.Web.Data;
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

    /// <summary>The start of a channel name (<c>private-class</c> finds every class channel); a trailing <c>*</c> is allowed.</summary>
    public string? Channel { get; set; }

    /// <summary>
    /// Part of the actor: of the email shown in the log ("Pusher", "system" included), or of a person's display name
    /// or current email, ignoring case and accents ("zoe" finds "Zoë Student"). <see cref="EventLogSearch"/> turns it
    /// into <see cref="ActorNames"/> before the query runs.
    /// </summary>
    public string? User { get; set; }

    public string? Event { get; set; }

    public string? Outcome { get; set; }

    /// <summary>Inclusive lower bound, UTC, as an HTML datetime-local value or ISO 8601.</summary>
    public string? From { get; set; }

    /// <summary>Exclusive upper bound, UTC.</summary>
    public string? To { get; set; }

    /// <summary>Free text searched in payloads (case-insensitive for ASCII).</summary>
    public string? Q { get; set; }

    /// <summary><c>machine</c>: leave out <see cref="MachineKinds"/> (what browsers and Pusher do on their own).</summary>
    public string? Hide { get; set; }

    /// <summary>
    /// A time preset, turned into From and To when the page opens (<see cref="WithPreset"/>): <c>hour</c>, <c>today</c>
    /// (since midnight in the school's time zone) or <c>7d</c>. The page then links the fixed window, so paging
    /// through it does not slide.
    /// </summary>
    public string? Range { get; set; }

    /// <summary>The presets of <see cref="Range"/>, with their button labels.</summary>
    public static readonly IReadOnlyList<(string Value, string Label)> Presets = [("hour", "Last hour"), ("today", "Today"), ("7d", "7 days")];

    /// <summary>
    /// Entries no person asked for: channel and user authorizations (a browser subscribing) and raw webhook events
    /// (Pusher reporting occupancy). Together they are most of a busy log (70 % in the benchmark's mix).
    /// </summary>
    public static readonly IReadOnlyList<string> MachineKinds = [AuditKinds.ChannelAuth, AuditKinds.UserAuth, AuditKinds.WebhookEvent];

    public bool HidesMachineEvents => Hide == "machine";

    /// <summary>
    /// The actors (as the log names them) that <see cref="User"/> stands for; set by <see cref="WithActors"/>, never
    /// bound. Null until resolved: the filter then matches the actor text itself.
    /// </summary>
    public IReadOnlyCollection<string>? ActorNames { get; private set; }

    public bool IsEmpty =>
        Kind is null && Channel is null && User is null && Event is null && Outcome is null && From is null && To is null && Q is null && Hide is null && Range is null;

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
        Hide = Blank(Hide),
        Range = Blank(Range),
        ActorNames = ActorNames,
    };

    /// <summary>This filter with the actors <see cref="User"/> matched.</summary>
    public EventLogFilter WithActors(IReadOnlyCollection<string> actorNames)
    {
        var copy = Normalized();
        copy.ActorNames = actorNames;
        return copy;
    }

    /// <summary>
    /// This filter with <see cref="Range"/> turned into From and To (UTC, to the second) at <paramref name="now"/>;
    /// an unknown preset is left for <see cref="Errors"/> to report.
    /// </summary>
    public EventLogFilter WithPreset(DateTimeOffset now, TimeZoneInfo schoolZone)
    {
        var copy = Normalized();
        DateTimeOffset? from = Range switch
        {
            "hour" => now.AddHours(-1),
            "today" => StartOfDay(now, schoolZone),
            "7d" => now.AddDays(-7),
            _ => null,
        };
        if (from is not { } start)
            return copy;
        copy.Range = null;
        copy.From = FormatUtc(start);
        // To is exclusive and shown to the second: the next second includes everything written up to now.
        copy.To = FormatUtc(now.AddSeconds(1));
        return copy;
    }

    /// <summary>Midnight of the school's day that contains <paramref name="now"/>, as an instant.</summary>
    private static DateTimeOffset StartOfDay(DateTimeOffset now, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var midnight = local.Date;
        // A zone that skips midnight (a DST change at 00:00) has no such local time: the day starts an hour later.
        if (zone.IsInvalidTime(midnight)) midnight = midnight.AddHours(1);
        return new DateTimeOffset(midnight, zone.GetUtcOffset(midnight));
    }

    private static string FormatUtc(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);

    /// <param name="channelPrefixIsCommon">
    /// Whether <see cref="Channel"/> matches so many entries that walking the log newest first finds a page sooner
    /// than reading the prefix's index range (<see cref="EventLogQuery"/> counts it).
    /// </param>
    public IQueryable<AuditEntry> Apply(IQueryable<AuditEntry> query, bool channelPrefixIsCommon = true)
    {
        if (Kind is { } kind) query = query.Where(e => e.Kind == kind);
        if (ActorNames is { } names && User is not null)
        {
            // Exact names on the (ActorName, Id) index: SQLite reads each name's newest entries in Id order and
            // stops after a page (181 names: 3 ms at 1,000,000 entries), where LIKE '%…%' walks the whole log
            // when the match is rare (docs/decisions/0012-event-log-people-search.md).
            query = query.Where(e => names.Contains(e.ActorName));
        }
        else if (User is { } user)
        {
            var pattern = TextMatch.ContainsPattern(user);
            query = query.Where(e => TextMatch.Like(e.ActorName, pattern));
        }
        if (HidesMachineEvents)
        {
            var machine = MachineKinds;
            query = query.Where(e => !machine.Contains(e.Kind));
        }
        if (Event is { } eventName) query = query.Where(e => e.EventName == eventName);
        if (Outcome is { } outcome) query = query.Where(e => e.Outcome == outcome);
        if (FromUtc is { } from) query = query.Where(e => e.TimeUtc >= from);
        if (ToUtc is { } to) query = query.Where(e => e.TimeUtc < to);
        if (ChannelPrefix is { } prefix)
        {
            var upper = prefix[..^1] + (char)(prefix[^1] + 1);
            if (channelPrefixIsCommon)
            {
                // A common prefix matches many channels (private-class is a third of the log), so the (Channel, Id)
                // index would return every matching row, to be sorted by Id for one page. Concatenating '' keeps
                // SQLite off that index (like its unary +): the page walks the primary key newest first and stops
                // after one page, reading about pageSize / share-of-matches rows (docs/benchmarks.md, event log).
                query = query.Where(e => string.Compare(e.Channel + "", prefix) >= 0 && string.Compare(e.Channel + "", upper) < 0);
            }
            else
            {
                // A rare one (one channel's name, typed whole) reads its few index entries and sorts them.
                query = query.Where(e => string.Compare(e.Channel, prefix) >= 0 && string.Compare(e.Channel, upper) < 0);
            }
        }
        if (Q is { } text)
        {
            var pattern = TextMatch.ContainsPattern(text);
            query = query.Where(e => TextMatch.Like(e.Data, pattern));
        }
        return query;
    }

    /// <summary>The same predicate in memory, for the live feed deciding which new entries a page shows.</summary>
    public bool Matches(AuditEntry e) =>
        (Kind is null || e.Kind == Kind)
        && (User is null || (ActorNames is { } names ? names.Contains(e.ActorName) : e.ActorName.Contains(User, StringComparison.OrdinalIgnoreCase)))
        && (!HidesMachineEvents || !MachineKinds.Contains(e.Kind))
        && (Event is null || e.EventName == Event)
        && (Outcome is null || e.Outcome == Outcome)
        && (FromUtc is not { } from || e.TimeUtc >= from)
        && (ToUtc is not { } to || e.TimeUtc < to)
        && (ChannelPrefix is not { } p || e.Channel?.StartsWith(p, StringComparison.Ordinal) == true)
        && (Q is null || e.Data?.Contains(Q, StringComparison.OrdinalIgnoreCase) == true);

    /// <summary>The channel filter without its optional trailing <c>*</c>; null when there is none (or only "*").</summary>
    public string? ChannelPrefix => Channel is { } c && c.TrimEnd('*') is { Length: > 0 } prefix ? prefix : null;

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
        if (Hide is not null) q["hide"] = Hide;
        if (Range is not null) q["range"] = Range;
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
        if (Channel is not null && ChannelPrefix is null) yield return (nameof(Channel), "A channel prefix needs at least one character before the *.");
        if (Hide is not null && Hide != "machine") yield return (nameof(Hide), "Hide can only be \"machine\" (channel authorizations and webhook events).");
        if (Range is not null && !Presets.Any(p => p.Value == Range))
            yield return (nameof(Range), $"Range must be one of {string.Join(", ", Presets.Select(p => p.Value))}.");
    }

    /// <summary>Times without an offset are UTC, whatever the server's time zone: the log shows UTC only.</summary>
    private static DateTime? ParseUtc(string? s) =>
        DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t : null;

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
