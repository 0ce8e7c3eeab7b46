using System.ComponentModel.DataAnnotations;

namespace AdminConsole.Web.Shared;

/// <summary>The school's settings (section "School"): the time zone every page shows its times in.</summary>
public sealed class SchoolOptions : IValidatableObject
{
    public const string Section = "School";

    /// <summary>An IANA zone id, e.g. "Europe/Paris". Exports and the database stay UTC whatever this says.</summary>
    [Required]
    public string TimeZone { get; set; } = "UTC";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out var zone) || !zone.HasIanaId && TimeZone != "UTC")
            yield return new ValidationResult($"School:TimeZone \"{TimeZone}\" is not a known IANA time zone (e.g. \"UTC\", \"Europe/Paris\").", [nameof(TimeZone)]);
    }
}
