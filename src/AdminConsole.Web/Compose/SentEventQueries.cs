using System.Linq.Expressions;
using System.Text.Json;

namespace AdminConsole.Web.Compose;

/// <summary>Queries over the stored sends for the pages that show them to their audience (student page, teacher home).</summary>
public static class SentEventQueries
{
    /// <summary>The successful sends to at least one of <paramref name="channels"/>.</summary>
    public static IQueryable<SentEvent> SentToAnyOf(this IQueryable<SentEvent> sends, IEnumerable<string> channels) =>
        sends.Where(s => s.Status == SendStatus.Sent).Where(NamesAny(channels));

    /// <summary>The channels a send went to.</summary>
    public static IReadOnlyList<string> ChannelList(this SentEvent sent) => JsonSerializer.Deserialize<string[]>(sent.Channels) ?? [];

    /// <summary>
    /// s.Channels (a JSON array) names one of the channels. Channel names cannot contain a quote or a backslash
    /// (ChannelName), so each is matched quoted, exactly as it is serialized.
    /// </summary>
    private static Expression<Func<SentEvent, bool>> NamesAny(IEnumerable<string> channels)
    {
        var s = Expression.Parameter(typeof(SentEvent), "s");
        var column = Expression.Property(s, nameof(SentEvent.Channels));
        var contains = typeof(string).GetMethod(nameof(string.Contains), [typeof(string)])!;
        Expression any = Expression.Constant(false);
        foreach (var channel in channels)
            any = Expression.OrElse(any, Expression.Call(column, contains, Expression.Constant(JsonSerializer.Serialize(channel))));
        return Expression.Lambda<Func<SentEvent, bool>>(any, s);
    }
}
