using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AdminConsole.Web.EventLog;

/// <summary>
/// What the log page shows instead of ids: people and classes by name in the Target and Channel columns and in
/// payloads (a class's before/after member lists are user ids). The entry page and the exports keep the ids.
/// Ids of people or classes that no longer exist stay as they are.
/// </summary>
public sealed class LogNames(LogDirectory directory)
{
    // The console's channel conventions (Classes/ChannelNames), longest prefix first.
    private static readonly (string Prefix, bool IsClass, string Kind)[] ChannelPatterns =
    [
        ("private-encrypted-class-", true, "encrypted"),
        ("private-encrypted-user-", false, "encrypted"),
        ("private-class-", true, "private"),
        ("presence-class-", true, "presence"),
        ("private-user-", false, "private"),
    ];

    public static readonly LogNames None = new(LogDirectory.Empty);

    public LoggedPerson? Person(string? userId) =>
        userId is not null && directory.People.TryGetValue(userId, out var p) ? p : null;

    public string? Class(string? classIdText) =>
        int.TryParse(classIdText, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
        && id.ToString(CultureInfo.InvariantCulture) == classIdText
        && directory.Classes.TryGetValue(id, out var name) ? name : null;

    /// <summary>"Sam Student" for <c>user:{id}</c>, "Physics 7A" for <c>class:{id}</c>; null when there is no name.</summary>
    public string? Target(string? target) => target switch
    {
        null => null,
        _ when target.StartsWith("user:", StringComparison.Ordinal) => Person(target["user:".Length..])?.Label,
        _ when target.StartsWith("class:", StringComparison.Ordinal) => Class(target["class:".Length..]),
        _ when target.StartsWith("channel:", StringComparison.Ordinal) => Channel(target["channel:".Length..]),
        _ => null,
    };

    /// <summary>"Physics 7A (presence)" for <c>presence-class-{id}</c>, "Sam Student (private)" for <c>private-user-{id}</c>; null otherwise.</summary>
    public string? Channel(string? channel)
    {
        if (channel is null) return null;
        foreach (var (prefix, isClass, kind) in ChannelPatterns)
        {
            if (!channel.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var id = channel[prefix.Length..];
            var name = isClass ? Class(id) : Person(id)?.Label;
            return name is null ? null : $"{name} ({kind})";
        }
        return null;
    }

    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The payload indented for reading, with JSON held in strings (a sent event's data) decoded in place; with
    /// <paramref name="withNames"/>, every string that is a known person's id reads "Sam Student &lt;email&gt;".
    /// Anything that is not JSON is shown as stored.
    /// </summary>
    public string Payload(string? data, bool withNames)
    {
        if (string.IsNullOrEmpty(data)) return "(no payload)";
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(data);
        }
        catch (JsonException)
        {
            return data;
        }
        return Rewrite(root, withNames, depth: 0)?.ToJsonString(Pretty) ?? "null";
    }

    // Nested JSON more than a few levels deep is shown as the string it is: the payload is at most 10 KB anyway.
    private const int MaxDepth = 8;

    private JsonNode? Rewrite(JsonNode? node, bool withNames, int depth)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                    obj[key] = Rewrite(value?.DeepClone(), withNames, depth);
                return obj;
            case JsonArray array:
                var items = array.Select(i => Rewrite(i?.DeepClone(), withNames, depth)).ToList();
                array.Clear();
                foreach (var item in items) array.Add(item);
                return array;
            case JsonValue value when value.TryGetValue<string>(out var text):
                if (depth < MaxDepth && LooksLikeJson(text))
                {
                    try
                    {
                        return Rewrite(JsonNode.Parse(text), withNames, depth + 1);
                    }
                    catch (JsonException)
                    {
                        return value;
                    }
                }
                return withNames && Person(text) is { } person ? JsonValue.Create($"{person.Label} <{person.Email}>") : value;
            default:
                return node;
        }
    }

    private static bool LooksLikeJson(string text)
    {
        var t = text.AsSpan().Trim();
        return t.Length >= 2 && ((t[0] == '{' && t[^1] == '}') || (t[0] == '[' && t[^1] == ']'));
    }
}
