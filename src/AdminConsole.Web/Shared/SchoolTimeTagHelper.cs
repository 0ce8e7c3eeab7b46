using Microsoft.AspNetCore.Razor.TagHelpers;

namespace AdminConsole.Web.Shared;

/// <summary>
/// <c>&lt;school-time at="…" /&gt;</c>, <c>utc="…"</c> or <c>&lt;school-time ms="…" /&gt;</c>: a &lt;time&gt; in the school's zone with the
/// UTC instant in datetime and on hover, and data-ms for scripts that update it. Nothing is rendered for no time.
/// </summary>
[HtmlTargetElement("school-time", TagStructure = TagStructure.WithoutEndTag)]
public sealed class SchoolTimeTagHelper(SchoolTime time) : TagHelper
{
    public DateTimeOffset? At { get; set; }

    /// <summary>A DateTime stored as UTC (EF Core reads it back with an unspecified kind).</summary>
    public DateTime? Utc { get; set; }

    /// <summary>Unix milliseconds, as the projections store them.</summary>
    public long? Ms { get; set; }

    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        DateTimeOffset? at = At;
        if (at is null && Utc is { } utc) at = new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc));
        if (at is null && Ms is { } ms) at = DateTimeOffset.FromUnixTimeMilliseconds(ms);
        if (at is not { } instant)
        {
            output.SuppressOutput();
            return;
        }
        output.TagName = "time";
        output.TagMode = TagMode.StartTagAndEndTag;
        output.Attributes.SetAttribute("datetime", SchoolTime.Iso(instant));
        output.Attributes.SetAttribute("title", SchoolTime.Utc(instant));
        output.Attributes.SetAttribute("data-ms", instant.ToUnixTimeMilliseconds());
        output.Content.SetContent(time.Format(instant));
    }
}
