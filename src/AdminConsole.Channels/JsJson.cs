using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace AdminConsole.Channels;

/// <summary>Serializes JSON exactly as JavaScript's <c>JSON.stringify</c> does, so signatures over JSON match the npm libraries byte for byte.</summary>
/// <remarks>
/// System.Text.Json escapes more than JS even with the relaxed encoder (astral characters, U+2028/9, <c>&lt;&gt;&amp;'+</c>, DEL)
/// and rejects or replaces lone surrogates, while JS escapes only <c>"</c>, <c>\</c>, controls below U+0020 and lone surrogates.
/// Pusher signs the serialized bytes, so any difference changes the signature.
/// </remarks>
public static class JsJson
{
    private static readonly JsonSerializerOptions NodeOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsStringConverter() },
    };

    /// <summary>Serializes a JSON node like <c>JSON.stringify</c> (no whitespace, insertion order, JS number format).</summary>
    public static string Stringify(JsonNode? node)
    {
        var sb = new StringBuilder();
        Write(sb, node);
        return sb.ToString();
    }

    /// <summary>Serializes any value: a <see cref="JsonNode"/> or <see cref="JsonElement"/> as is, other objects through System.Text.Json first.</summary>
    /// <remarks>Plain objects go through System.Text.Json, whose writer turns lone surrogates in property names (not in string values) into U+FFFD; pass a <see cref="JsonNode"/> for such names.</remarks>
    public static string Stringify(object? value) => Stringify(ToNode(value));

    /// <summary>Converts a value to a <see cref="JsonNode"/> (null stays null).</summary>
    public static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        JsonNode n => n,
        JsonElement e => JsonNode.Parse(e.GetRawText()),
        string s => JsonValue.Create(s),
        _ => JsonSerializer.SerializeToNode(value, value.GetType(), NodeOptions),
    };

    /// <summary>A JSON string literal, quoted and escaped as <c>JSON.stringify</c> does.</summary>
    public static string Quote(string value)
    {
        var sb = new StringBuilder(value.Length + 2);
        WriteString(sb, value);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, JsonNode? node)
    {
        switch (node)
        {
            case null:
                sb.Append("null");
                break;
            case JsonObject obj:
                sb.Append('{');
                var first = true;
                foreach (var (key, value) in JsPropertyOrder(obj))
                {
                    if (!first) sb.Append(',');
                    first = false;
                    WriteString(sb, key);
                    sb.Append(':');
                    Write(sb, value);
                }
                sb.Append('}');
                break;
            case JsonArray arr:
                sb.Append('[');
                for (var i = 0; i < arr.Count; i++)
                {
                    if (i > 0) sb.Append(',');
                    Write(sb, arr[i]);
                }
                sb.Append(']');
                break;
            case JsonValue value:
                WriteValue(sb, value);
                break;
        }
    }

    // JS objects list array-index keys ("0", "42") first in numeric order, then the other keys in insertion order;
    // JSON.stringify follows that order, so an object built here must too.
    private static IEnumerable<KeyValuePair<string, JsonNode?>> JsPropertyOrder(JsonObject obj)
    {
        List<(uint Index, KeyValuePair<string, JsonNode?> Pair)>? indexed = null;
        foreach (var pair in obj)
        {
            if (IsArrayIndex(pair.Key, out var index)) (indexed ??= []).Add((index, pair));
        }
        if (indexed is null) return obj;
        return indexed.OrderBy(p => p.Index).Select(p => p.Pair).Concat(obj.Where(p => !IsArrayIndex(p.Key, out _)));
    }

    private static bool IsArrayIndex(string key, out uint index)
    {
        index = 0;
        if (key.Length is 0 or > 10 || (key.Length > 1 && key[0] == '0')) return false;
        ulong value = 0;
        foreach (var c in key)
        {
            if (c is < '0' or > '9') return false;
            value = value * 10 + (ulong)(c - '0');
        }
        // 2^32 - 1 is not an array index in ECMAScript.
        if (value >= uint.MaxValue) return false;
        index = (uint)value;
        return true;
    }

    private static void WriteValue(StringBuilder sb, JsonValue value)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                // A parsed value may hold an escaped lone surrogate that GetValue<string> refuses; a built one returns the original string.
                WriteString(sb, value.TryGetValue<JsonElement>(out var element) ? LenientJson.GetString(element) : value.GetValue<string>());
                break;
            case JsonValueKind.Number:
                var raw = value.ToJsonString();
                sb.Append(FormatNumber(double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture)));
                break;
            case JsonValueKind.True:
                sb.Append("true");
                break;
            case JsonValueKind.False:
                sb.Append("false");
                break;
            default:
                sb.Append("null");
                break;
        }
    }

    private static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        AppendEscape(sb, c);
                    }
                    else if (char.IsHighSurrogate(c))
                    {
                        if (i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                        {
                            sb.Append(c).Append(s[i + 1]);
                            i++;
                        }
                        else
                        {
                            AppendEscape(sb, c);
                        }
                    }
                    else if (char.IsLowSurrogate(c))
                    {
                        AppendEscape(sb, c);
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        sb.Append('"');
    }

    private static void AppendEscape(StringBuilder sb, char c) =>
        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));

    /// <summary>Formats a double as ECMAScript <c>Number.prototype.toString()</c> does (NaN and infinities become <c>null</c>, as in JSON).</summary>
    public static string FormatNumber(double d)
    {
        if (double.IsNaN(d) || double.IsInfinity(d)) return "null";
        if (d == 0) return "0";

        // "R" yields the shortest digits that round-trip, which is what ECMAScript requires; only the layout differs.
        var r = d.ToString("R", CultureInfo.InvariantCulture);
        var negative = r[0] == '-';
        if (negative) r = r[1..];
        var exp = 0;
        var e = r.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exp = int.Parse(r[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..e];
        }
        var dot = r.IndexOf('.');
        var digits = dot >= 0 ? r.Remove(dot, 1) : r;
        var point = dot >= 0 ? dot : r.Length;
        var lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0') lead++;
        digits = digits[lead..];
        point -= lead;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0) return "0";

        var k = digits.Length;
        var n = point + exp;
        var sb = new StringBuilder();
        if (negative) sb.Append('-');
        if (k <= n && n <= 21)
        {
            sb.Append(digits).Append('0', n - k);
        }
        else if (0 < n && n <= 21)
        {
            sb.Append(digits, 0, n).Append('.').Append(digits, n, k - n);
        }
        else if (-6 < n && n <= 0)
        {
            sb.Append("0.").Append('0', -n).Append(digits);
        }
        else
        {
            var e1 = n - 1;
            sb.Append(digits[0]);
            if (k > 1) sb.Append('.').Append(digits, 1, k - 1);
            sb.Append('e').Append(e1 >= 0 ? '+' : '-').Append(Math.Abs(e1).ToString(CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}

// Utf8JsonWriter replaces lone surrogates with U+FFFD while JS keeps them (escaped); write string values JS's way instead.
internal sealed class JsStringConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetString();

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) =>
        writer.WriteRawValue(JsJson.Quote(value), skipInputValidation: true);
}

// System.Text.Json refuses escaped lone surrogates ("\udfff") in GetString; JS produces and accepts them, so read them anyway.
internal static class LenientJson
{
    public static string GetString(System.Text.Json.JsonElement e)
    {
        try
        {
            return e.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return Unescape(e.GetRawText());
        }
    }

    // Input is a raw JSON string token, quotes included, already validated by the parser.
    private static string Unescape(string raw)
    {
        var sb = new StringBuilder(raw.Length);
        for (var i = 1; i < raw.Length - 1; i++)
        {
            var c = raw[i];
            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }
            var esc = raw[++i];
            switch (esc)
            {
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'u':
                    sb.Append((char)int.Parse(raw.AsSpan(i + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 4;
                    break;
                default: sb.Append(esc); break;
            }
        }
        return sb.ToString();
    }
}
