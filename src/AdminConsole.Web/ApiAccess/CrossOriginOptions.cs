using System.ComponentModel.DataAnnotations;

namespace AdminConsole.Web.ApiAccess;

/// <summary>
/// The "Cors" configuration section: pages on these origins (a separate dashboard such as the seed's Vite app)
/// may call <c>/api/session</c>, <c>/pusher/auth</c>, <c>/pusher/user-auth</c> and <c>/realtime/trigger</c>
/// with the signed-in user's cookie. Empty (the default): no cross-origin access at all.
/// </summary>
public sealed class CrossOriginOptions : IValidatableObject
{
    public const string Section = "Cors";

    /// <summary>Origins exactly as browsers send them: <c>http://localhost:5173</c>, scheme, host and port, nothing else.</summary>
    public List<string> AllowedOrigins { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < AllowedOrigins.Count; i++)
        {
            if (Problem(AllowedOrigins[i]) is { } problem)
                yield return new ValidationResult($"Cors:AllowedOrigins:{i} ({AllowedOrigins[i]}) {problem}", [nameof(AllowedOrigins)]);
        }
    }

    private static string? Problem(string? origin)
    {
        if (string.IsNullOrWhiteSpace(origin)) return "is empty.";
        if (origin.Contains('*')) return "is a wildcard; list each origin (credentials are never shared with any origin).";
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return "is not an absolute http:// or https:// origin.";
        // Browsers send scheme://host[:port], never a path (not even "/") or a default port: anything else never matches.
        if (uri.GetLeftPart(UriPartial.Authority) != origin.ToLowerInvariant() || uri.UserInfo.Length > 0)
            return "is not written as browsers send origins: scheme://host[:port], without a path, trailing slash, query or default port.";
        return null;
    }
}
