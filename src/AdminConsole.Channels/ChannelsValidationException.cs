namespace AdminConsole.Channels;

/// <summary>An input to the Channels protocol (channel name, socket id, event, option) is invalid; <see cref="Field"/> names it.</summary>
public class ChannelsValidationException : ArgumentException
{
    /// <summary>Creates the exception for <paramref name="field"/>; the message must never contain a secret.</summary>
    public ChannelsValidationException(string field, string message)
        : base(message, field)
    {
        Field = field;
    }

    /// <summary>The name of the offending field or parameter.</summary>
    public string Field { get; }

    // ArgumentException appends " (Parameter 'x')"; the field is already a property, and callers show Message to users.
    /// <inheritdoc />
    public override string Message => base.Message.Replace($" (Parameter '{Field}')", string.Empty, StringComparison.Ordinal);

    internal static string Show(string? value, int max = 80)
    {
        if (value is null) return "null";
        var shown = value.Length > max ? value[..max] + "…" : value;
        // Control characters would break log lines; show them escaped instead.
        var sb = new System.Text.StringBuilder(shown.Length + 2).Append('"');
        foreach (var c in shown)
        {
            if (c < 0x20 || c == 0x7f) sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        return sb.Append('"').ToString();
    }
}
